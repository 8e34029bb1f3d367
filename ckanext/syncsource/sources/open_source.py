"""`open_source`, the one entry point of this package: a source URL's records."""

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager

from .errors import SourceError, display_url
from .http_fetch import HttpFetcher
from .local_files import is_local, local_path
from .records import KINDS, Record
from .settings import ReaderSettings
from .source_access import SourceAccess
from .source_formats import guess_format, source_format


@contextmanager
def open_source(
    url: str,
    fmt: str | None,
    settings: ReaderSettings,
    *,
    sqlite_tables: Mapping[str, str] | None = None,
    known_stamps: Mapping[str, str] | None = None,
    fetcher: HttpFetcher | None = None,
) -> Iterator[Iterator[Record]]:
    """Open a source and yield its records: organizations, then groups, then datasets.

    `fmt` None: the URL tells the format (`guess_format`). Remote files are downloaded
    completely before the first record. Records are streamed, and a read error can still
    surface at any record, so a caller must read to the end before it acts on what it read.
    Every error is a SourceError naming the source URL and the cause.

    `known_stamps` (dataset id -> the stamp of the content the caller holds) lets a format
    whose objects carry a version stamp (`ckan`) skip downloading the datasets still at that
    stamp: it yields them as `unchanged` records without content. Other formats ignore it.
    """
    try:
        with ExitStack() as stack:
            if is_local(url) and not fmt:
                local_path(url, settings)  # the allowed directories, before guessing probes it
            reader = source_format(fmt or guess_format(url))
            options = {
                "sqlite_tables": dict(sqlite_tables or {}),
                "known_stamps": known_stamps or {},
            }
            access = SourceAccess(url, settings, options, fetcher or HttpFetcher(settings), stack)
            yield _within_counts(reader.read(access), settings)
    except SourceError as e:
        raise SourceError(f"source {display_url(url)}: {e}") from e


def _within_counts(records: Iterator[Record], settings: ReaderSettings) -> Iterator[Record]:
    """`records`, refused beyond `max_groups` organizations or groups or `max_datasets` datasets
    (an API that pages for ever ends here too)."""
    counts = dict.fromkeys(KINDS, 0)
    for record in records:
        counts[record.kind] += 1
        cap = settings.max_datasets if record.kind == "dataset" else settings.max_groups
        if counts[record.kind] > cap:
            option = "max_datasets" if record.kind == "dataset" else "max_groups"
            raise SourceError(
                f"more than {cap} {record.kind} records (ckanext.syncsource.{option})"
            )
        yield record
