"""Source readers: pure Python (no CKAN), streaming records of a catalogue.

Use `open_source(url, fmt, settings)`; see `formats.open_source`.
"""

from .errors import SourceError
from .formats import SUPPORTED_FORMATS, guess_format, open_source
from .http_fetch import HttpFetcher
from .records import KINDS, Record
from .settings import ReaderSettings

__all__ = [
    "KINDS",
    "SUPPORTED_FORMATS",
    "HttpFetcher",
    "ReaderSettings",
    "Record",
    "SourceError",
    "guess_format",
    "open_source",
]
