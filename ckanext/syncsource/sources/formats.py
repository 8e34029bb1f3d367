"""Which reader serves a source URL, and `open_source`, the one entry point of this package."""

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from .ckan_api import ACTION_PATH, CkanApiReader
from .compression import open_decompressed
from .directory import read_directory
from .errors import SourceError, display_url
from .http_fetch import HttpFetcher
from .json_document import read_json_document
from .json_lines import read_json_lines
from .local_files import is_local, local_path
from .records import KINDS, Record
from .settings import ReaderSettings
from .sqlite_file import connect_read_only, read_sqlite

SUPPORTED_FORMATS = ("json", "jsonl", "directory", "sqlite", "ckan")

_SUFFIXES = (
    ((".json", ".json.gz"), "json"),
    ((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"), "jsonl"),
    ((".sqlite", ".sqlite3", ".db"), "sqlite"),
)


def guess_format(url: str) -> str:
    """The format a URL names by its path; SourceError when it cannot be told."""
    path = urlsplit(url).path if not url.startswith("/") else url
    lowered = path.lower()
    for suffixes, fmt in _SUFFIXES:
        if lowered.endswith(suffixes):
            return fmt
    if is_local(url):
        if path.endswith("/") or Path(path).is_dir():
            return "directory"
    elif not path or path.endswith(("/", "/api", "/api/3")) or ACTION_PATH in path:
        return "ckan"
    raise SourceError(
        'cannot tell the format from the URL; set "format" in the source config to one of '
        + ", ".join(SUPPORTED_FORMATS)
    )


@contextmanager
def open_source(
    url: str,
    fmt: str | None,
    settings: ReaderSettings,
    *,
    sqlite_tables: Mapping[str, str] | None = None,
    fetcher: HttpFetcher | None = None,
) -> Iterator[Iterator[Record]]:
    """Open a source and yield its records: organizations, then groups, then datasets.

    Remote files are downloaded completely before the first record. Records are streamed, and
    a read error can still surface at any record, so a caller must read to the end before it
    acts on what it read. Every error is a SourceError naming the source URL and the cause.
    """
    try:
        with ExitStack() as stack:
            records = _records(url, fmt, settings, sqlite_tables or {}, fetcher, stack)
            yield _within_counts(records, settings)
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


def _records(
    url: str,
    fmt: str | None,
    settings: ReaderSettings,
    sqlite_tables: Mapping[str, str],
    fetcher: HttpFetcher | None,
    stack: ExitStack,
) -> Iterator[Record]:
    local = is_local(url)
    if local and not fmt:
        local_path(url, settings)  # the allowed directories, before guess_format probes the path
    fmt = fmt or guess_format(url)
    if fmt not in SUPPORTED_FORMATS:
        raise SourceError(f"unknown format {fmt!r} (one of {', '.join(SUPPORTED_FORMATS)})")
    fetcher = fetcher or HttpFetcher(settings)
    if fmt == "ckan":
        if local:
            raise SourceError("the ckan format needs an http(s) URL")
        return CkanApiReader(url, settings, fetcher).records()
    if fmt == "directory":
        if not local:
            raise SourceError("the directory format needs a local path")
        return read_directory(local_path(url, settings), settings)
    if local:
        path = local_path(url, settings)
        if not path.is_file():
            raise SourceError(f"{str(path)!r} is not a regular file")
        file: BinaryIO = stack.enter_context(path.open("rb"))
    else:
        expected = "a SQLite database" if fmt == "sqlite" else "JSON"
        download = stack.enter_context(fetcher.download(url))
        download.reject_html(expected)
        path, file = Path(download.file.name), download.file
    if fmt == "sqlite":
        connection = stack.enter_context(closing(connect_read_only(path, settings)))
        return read_sqlite(connection, sqlite_tables)

    def reopen() -> BinaryIO:
        return open_decompressed(file, settings.max_bytes)

    if fmt == "jsonl":
        return read_json_lines(reopen, settings.max_record_bytes)
    return read_json_document(reopen, settings.max_record_bytes)
