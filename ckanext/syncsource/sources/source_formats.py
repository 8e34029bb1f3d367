"""The registry of source formats: the entry point group `ckanext.syncsource.formats`.

Each entry point names a `SourceFormat`; the built-in ones are registered the same way (see
`builtin_formats` and pyproject.toml), so another package adds a format by declaring one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from urllib.parse import urlsplit

from .errors import SourceError
from .records import Record
from .source_access import SourceAccess

ENTRY_POINT_GROUP = "ckanext.syncsource.formats"


@dataclass(frozen=True)
class SourceFormat:
    read: Callable[[SourceAccess], Iterator[Record]]
    """Yields the source's records (organizations, then groups, then datasets); raises
    SourceError, naming what is wrong, for anything it cannot read."""
    suffixes: tuple[str, ...] = ()
    """URL path endings (lowercase) that tell the format when the config names none."""
    recognizes: Callable[[str], bool] | None = None
    """Tells the format from a URL in other ways (e.g. an API path), for a format without
    suffixes; a suffix that fits wins over it."""

    def fits(self, url: str) -> bool:
        if self.suffixes:
            return url_path(url).lower().endswith(self.suffixes)
        return self.recognizes is not None and self.recognizes(url)


def url_path(url: str) -> str:
    """The path part of a source URL (an absolute path is its own)."""
    return url if url.startswith("/") else urlsplit(url).path


@cache
def registered_formats() -> dict[str, SourceFormat]:
    """The formats by name; a broken entry point is a SourceError naming it."""
    formats = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            source_format = entry_point.load()
        except Exception as e:
            raise SourceError(f"source format {entry_point.name!r} cannot be loaded: {e}") from e
        if not isinstance(source_format, SourceFormat):
            raise SourceError(
                f"source format {entry_point.name!r} ({entry_point.value}) is not a SourceFormat"
            )
        formats[entry_point.name] = source_format
    return dict(sorted(formats.items()))


def format_names() -> tuple[str, ...]:
    return tuple(registered_formats())


def source_format(name: str) -> SourceFormat:
    formats = registered_formats()
    if name not in formats:
        raise SourceError(f"unknown format {name!r} (one of {_listed()})")
    return formats[name]


def guess_format(url: str) -> str:
    """The format a URL tells; SourceError when none or several fit."""
    formats = registered_formats().items()
    fitting = [name for name, found in formats if found.suffixes and found.fits(url)]
    fitting = fitting or [name for name, found in formats if found.fits(url)]
    if len(fitting) == 1:
        return fitting[0]
    if fitting:
        reason = f"it fits several formats ({', '.join(fitting)})"
    else:
        reason = "cannot tell the format from the URL"
    raise SourceError(f'{reason}; set "format" in the source config to one of {_listed()}')


def _listed() -> str:
    names = format_names()
    if not names:
        return "none: no format is registered; reinstall ckanext-syncsource"
    return ", ".join(names)
