import json
import sqlite3

import pytest

from ckanext.syncsource.sources import Record, SourceError, open_source
from ckanext.syncsource.sources.sqlite_file import connect_read_only

from .conftest import make_settings


def read(url, tmp_path, fmt=None, **kwargs):
    settings = make_settings(local_source_dirs=(str(tmp_path),))
    with open_source(url, fmt, settings, **kwargs) as records:
        return list(records)


def write(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))


def test_directory_records_in_kind_then_name_order(tmp_path):
    root = tmp_path / "catalogue"
    write(root / "dataset" / "b.json", {"id": "d2"})
    write(root / "dataset" / "a.json", {"id": "d1"})
    write(root / "group" / "anything.json", {"name": "g1"})
    write(root / "organization" / "o.json", {"name": "o1"})
    (root / "dataset" / "README.txt").write_text("ignored")
    assert read(str(root), tmp_path) == [
        Record("organization", "o1", {"name": "o1"}),
        Record("group", "g1", {"name": "g1"}),
        Record("dataset", "d1", {"id": "d1"}),
        Record("dataset", "d2", {"id": "d2"}),
    ]


def test_directory_without_kind_folders(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no organization/, group/, dataset/ folder"):
        read(str(tmp_path / "empty") + "/", tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"id": "d1"', "dataset/x.json: invalid JSON at line 1"),
        (b'{"id": "\xff"}', "dataset/x.json: invalid UTF-8 at byte 8"),
        (b"[]", "dataset/x.json is not a JSON object (got array)"),
        (b'{"name": "n"}', "dataset/x.json: dataset without a 'id'"),
    ],
)
def test_directory_file_errors_name_the_file(tmp_path, content, message):
    (tmp_path / "dataset").mkdir()
    (tmp_path / "dataset" / "x.json").write_bytes(content)
    with pytest.raises(SourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read(str(tmp_path), tmp_path, "directory")


def test_directory_symlink_escaping_the_allowed_dirs_is_refused(tmp_path):
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    write(outside / "secret.json", {"id": "secret"})
    (allowed / "dataset").mkdir(parents=True)
    (allowed / "dataset" / "s.json").symlink_to(outside / "secret.json")
    settings = make_settings(local_source_dirs=(str(allowed),))
    with (
        pytest.raises(SourceError, match="outside the allowed directories"),
        open_source(str(allowed), None, settings) as records,
    ):
        list(records)


def make_sqlite(path, tables=("organization", "group", "dataset"), rows=None):
    with sqlite3.connect(path) as connection:
        for table in tables:
            connection.execute(f'CREATE TABLE "{table}" (id TEXT, json_data TEXT)')
        for table, key, data in rows or []:
            connection.execute(f'INSERT INTO "{table}" VALUES (?, ?)', (key, data))
    connection.close()


def test_sqlite_records(tmp_path):
    rows = [
        ("dataset", "d1", '{"id": "d1", "n": 1.5}'),
        ("group", "g1", '{"name": "g1"}'),
        ("organization", "o1", '{"name": "o1"}'),
    ]
    make_sqlite(tmp_path / "src.sqlite", rows=rows)
    assert read(str(tmp_path / "src.sqlite"), tmp_path) == [
        Record("organization", "o1", {"name": "o1"}),
        Record("group", "g1", {"name": "g1"}),
        Record("dataset", "d1", {"id": "d1", "n": 1.5}),
    ]


def test_sqlite_custom_table_names_and_missing_tables(tmp_path):
    make_sqlite(tmp_path / "src.db", tables=("pkg",), rows=[("pkg", "d1", '{"id": "d1"}')])
    records = read(f"file://{tmp_path}/src.db", tmp_path, sqlite_tables={"dataset": "pkg"})
    assert records == [Record("dataset", "d1", {"id": "d1"})]


def test_sqlite_is_opened_read_only(tmp_path):
    make_sqlite(tmp_path / "src.db", rows=[("dataset", "d1", '{"id": "d1"}')])
    connection = connect_read_only(tmp_path / "src.db", make_settings())
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        connection.execute("DELETE FROM dataset")
    connection.close()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("dataset", "d1", "{")], "table 'dataset', id 'd1': invalid JSON"),
        ([("dataset", "d1", "[1]")], "table 'dataset', id 'd1' is not a JSON object"),
        ([("dataset", None, "{}")], "table 'dataset', id None: the id must be non-empty text"),
        ([("dataset", "d1", None)], "table 'dataset', id 'd1': json_data must be text"),
    ],
)
def test_sqlite_row_errors(tmp_path, rows, message):
    make_sqlite(tmp_path / "src.db", rows=rows)
    with pytest.raises(SourceError, match=message):
        read(str(tmp_path / "src.db"), tmp_path)


def test_sqlite_without_the_tables(tmp_path):
    make_sqlite(tmp_path / "src.db", tables=("other",))
    with pytest.raises(SourceError, match="none of the tables"):
        read(str(tmp_path / "src.db"), tmp_path)


def test_not_a_sqlite_file(tmp_path):
    (tmp_path / "src.db").write_bytes(b"x" * 4096)
    with pytest.raises(SourceError, match="not a SQLite database"):
        read(str(tmp_path / "src.db"), tmp_path)
