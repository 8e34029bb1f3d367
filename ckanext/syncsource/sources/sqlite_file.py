"""A SQLite file with one table per kind, each with columns `(id, json_data)`.

The `id` column is the source key (as the keys of the JSON document are). A missing table is an
empty collection; a file with none of the tables is an error. The file is opened read-only.

A SQLite file can compute: a view may run a query that never ends, a generated column may build
gigabytes from a few bytes (one function call, which no progress handler interrupts). So only
tables without generated columns are read, every string or blob SQLite builds is capped at the
record size (`SQLITE_LIMIT_LENGTH`), and a progress handler stops the read at the deadline.
"""

import json
import sqlite3
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote

from .errors import SourceError
from .records import KINDS, Record, check_depth, require_object, too_deep
from .settings import ReaderSettings

DEFAULT_TABLES: Mapping[str, str] = {kind: kind for kind in KINDS}


_PROGRESS_STEPS = 10_000  # SQLite virtual machine steps between two deadline checks


def connect_read_only(path: Path, settings: ReaderSettings) -> sqlite3.Connection:
    try:
        connection = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise SourceError(f"cannot open the SQLite file ({e})") from e
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, settings.max_record_bytes)
    deadline = time.monotonic() + settings.download_timeout
    connection.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)
    return connection


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
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    except sqlite3.DatabaseError as e:
        raise _failure(e, "not a SQLite database") from e
    names = check_tables(tables)
    if not existing & set(names.values()):
        raise SourceError(f"none of the tables {', '.join(names.values())} is in the SQLite file")
    for kind in KINDS:
        if names[kind] in existing:
            yield from _read_table(connection, kind, names[kind])


def _read_table(connection: sqlite3.Connection, kind, table: str) -> Iterator[Record]:
    quoted = '"' + table.replace('"', '""') + '"'
    try:
        # table_xinfo's `hidden` is 2 or 3 for a generated column
        if any(row[6] in (2, 3) for row in connection.execute(f"PRAGMA table_xinfo({quoted})")):
            raise SourceError(f"table {table!r} has generated columns; only stored data is read")
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
            except RecursionError as e:
                raise too_deep(where) from e
            check_depth(value, where)
            yield Record(kind, key, require_object(value, where))
    except sqlite3.DatabaseError as e:
        raise _failure(e, f"cannot read table {table!r}") from e


def _failure(error: sqlite3.DatabaseError, what: str) -> SourceError:
    if str(error) == "interrupted":  # by the progress handler, at the deadline
        return SourceError(f"{what}: the read took longer than the download timeout")
    return SourceError(f"{what} ({error})")
