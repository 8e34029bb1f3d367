"""The formats ckanext-syncsource ships, registered as entry points like any other."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from .ckan_api import ACTION_PATH, CkanApiReader
from .directory import read_directory
from .errors import SourceError
from .json_document import read_json_document
from .json_lines import read_json_lines
from .local_files import is_local
from .records import Record
from .source_access import SourceAccess
from .source_formats import SourceFormat, url_path
from .sqlite_file import connect_read_only, read_sqlite


def _read_json(access: SourceAccess) -> Iterator[Record]:
    _, file = access.open_file("JSON")
    return read_json_document(access.reopener(file), access.settings.max_record_bytes)


def _read_json_lines(access: SourceAccess) -> Iterator[Record]:
    _, file = access.open_file("JSON")
    return read_json_lines(access.reopener(file), access.settings.max_record_bytes)


def _read_sqlite(access: SourceAccess) -> Iterator[Record]:
    path, _ = access.open_file("a SQLite database")
    connection = access.keep(closing(connect_read_only(path, access.settings)))
    return read_sqlite(connection, access.options.get("sqlite_tables") or {})


def _read_directory(access: SourceAccess) -> Iterator[Record]:
    if not access.is_local:
        raise SourceError("the directory format needs a local path")
    return read_directory(access.local_path(), access.settings)


def _is_directory(url: str) -> bool:
    path = url_path(url)
    return is_local(url) and (path.endswith("/") or Path(path).is_dir())


def _read_ckan(access: SourceAccess) -> Iterator[Record]:
    if access.is_local:
        raise SourceError("the ckan format needs an http(s) URL")
    reader = CkanApiReader(
        access.url, access.settings, access.fetcher, access.options.get("known_stamps")
    )
    return reader.records()


def _is_ckan_api(url: str) -> bool:
    if is_local(url):
        return False
    path = url_path(url)
    return not path or path.endswith(("/", "/api", "/api/3")) or ACTION_PATH in path


JSON = SourceFormat(_read_json, suffixes=(".json", ".json.gz"))
JSON_LINES = SourceFormat(
    _read_json_lines, suffixes=(".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
)
SQLITE = SourceFormat(_read_sqlite, suffixes=(".sqlite", ".sqlite3", ".db"))
DIRECTORY = SourceFormat(_read_directory, recognizes=_is_directory)
CKAN = SourceFormat(_read_ckan, recognizes=_is_ckan_api)
