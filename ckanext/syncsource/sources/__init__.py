"""Source readers: pure Python (no CKAN), streaming records of a catalogue.

Use `open_source(url, fmt, settings)`. Formats are registered in the entry point group
`ckanext.syncsource.formats` (see `source_formats`).
"""

from .errors import SourceError
from .http_fetch import HttpFetcher
from .open_source import open_source
from .records import KINDS, Record
from .settings import ReaderSettings
from .source_access import SourceAccess
from .source_formats import SourceFormat, format_names, guess_format

__all__ = [
    "KINDS",
    "HttpFetcher",
    "ReaderSettings",
    "Record",
    "SourceAccess",
    "SourceError",
    "SourceFormat",
    "format_names",
    "guess_format",
    "open_source",
]
