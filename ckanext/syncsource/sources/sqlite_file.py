"""A SQLite file with one table per kind, each with columns `(id, json_data)`.

The `id` column is the source key (as the keys of the JSON document are). A missing table is an
empty collection; a file with none of the tables is an error. The file is opened read-only.
"""

import json
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote

from .errors import SourceError
from .records import KINDS, Record, require_object

DEFAULT_TABLES: Mapping[str, str] = {kind: kind for kind in KINDS}


def connect_read_only(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise SourceError(f"cannot open the SQLite file ({e})") from e


def check_tables(tables: Mapping[str, str]) -> dict[str, str]:
    """The table name for each kind: `tables` overrides the defaults; unknown kinds are refused."""
    unknown = set(tables) - set(KINDS)
    if unknown:
        raise SourceError(f"unknown kinds {sorted(unknown)} in the SQLite table names")
    return {**DEFAULT_TABLES, **tables}


def read_sqlite(connection: sqlite3.Connection, tables: Mapping[str, str]) -> Iterator[Record]:
    try:
        existing = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            )
        }
    except sqlite3.DatabaseError as e:
        raise SourceError(f"not a SQLite database ({e})") from e
    names = check_tables(tables)
    if not existing & set(names.values()):
        raise SourceError(f"none of the tables {', '.join(names.values())} is in the SQLite file")
    for kind in KINDS:
        if names[kind] in existing:
            yield from _read_table(connection, kind, names[kind])


def _read_table(connection: sqlite3.Connection, kind, table: str) -> Iterator[Record]:
    quoted = '"' + table.replace('"', '""') + '"'
    try:
        rows = connection.execute(f"SELECT id, json_data FROM {quoted}")
        for key, data in rows:
            where = f"table {table!r}, id {key!r}"
            if not isinstance(key, str) or not key:
                raise SourceError(f"{where}: the id must be non-empty text")
            if isinstance(data, bytes):
                try:
                    data = data.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise SourceError(f"{where}: invalid UTF-8 at byte {e.start}") from e
            if not isinstance(data, str):
                raise SourceError(f"{where}: json_data must be text")
            try:
                value = json.loads(data)
            except json.JSONDecodeError as e:
                raise SourceError(f"{where}: invalid JSON at column {e.colno} ({e.msg})") from e
            yield Record(kind, key, require_object(value, where))
    except sqlite3.DatabaseError as e:
        raise SourceError(f"cannot read table {table!r} ({e})") from e
