"""Hostile source documents end as a source error naming the cause, never as a crash, a
runaway memory or a worker held for ever."""

import gzip
import json
import sqlite3
import time

import pytest

from ckanext.syncsource.sources import SourceError, open_source

from .conftest import loopback_settings, make_settings, reply
from .test_ckan_api import answer

DEEP = 100_000  # 200 KB of brackets


def read_local(path, **settings):
    with open_source(
        f"file://{path}", None, make_settings(local_source_dirs=(str(path.parent),), **settings)
    ) as records:
        return list(records)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [101, DEEP])
def test_deep_nesting_in_a_json_document(tmp_path, depth):
    path = tmp_path / "doc.json"
    path.write_text('{"dataset": {"d1": {"id": "d1", "x": ' + nested(depth) + "}}}")
    with pytest.raises(SourceError, match="nested deeper than 100 levels"):
        read_local(path)


def test_nesting_up_to_the_limit_is_read(tmp_path):
    path = tmp_path / "doc.json"
    path.write_text('{"dataset": {"d1": {"id": "d1", "x": ' + nested(98) + "}}}")
    assert [record.key for record in read_local(path)] == ["d1"]


@pytest.mark.parametrize("depth", [101, DEEP])
def test_deep_nesting_in_json_lines(tmp_path, depth):
    path = tmp_path / "doc.jsonl"
    path.write_text('{"type": "dataset", "id": "d1", "x": ' + nested(depth) + "}\n")
    with pytest.raises(SourceError, match="line 1: nested deeper than 100 levels"):
        read_local(path)


def test_deep_nesting_in_a_directory(tmp_path):
    (tmp_path / "cat" / "dataset").mkdir(parents=True)
    (tmp_path / "cat" / "dataset" / "d1.json").write_text('{"id": "d1", "x": ' + nested(DEEP) + "}")
    with pytest.raises(SourceError, match=r"dataset/d1\.json: nested deeper than 100 levels"):
        read_local(tmp_path / "cat")


def sqlite_file(path, create: str, rows=()):
    with sqlite3.connect(path) as connection:
        connection.execute(create)
        if rows:
            connection.executemany("INSERT INTO dataset (id, json_data) VALUES (?, ?)", rows)
    connection.close()
    return path


def test_deep_nesting_in_sqlite(tmp_path):
    path = sqlite_file(
        tmp_path / "src.db",
        "CREATE TABLE dataset (id TEXT, json_data TEXT)",
        [("d1", '{"x": ' + nested(DEEP) + "}")],
    )
    with pytest.raises(SourceError, match=r"id 'd1'.*nested deeper than 100 levels"):
        read_local(path)


def test_sqlite_views_are_not_read(tmp_path):
    path = tmp_path / "src.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE VIEW dataset AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)"
            " SELECT CAST(i AS TEXT) AS id, '{}' AS json_data FROM n"
        )
    connection.close()
    with pytest.raises(SourceError, match="none of the tables"):
        read_local(path)


def test_sqlite_generated_columns_are_not_read(tmp_path):
    """A generated column can build gigabytes from a file of a few kilobytes."""
    path = sqlite_file(
        tmp_path / "src.db",
        "CREATE TABLE dataset (id TEXT, seed TEXT, "
        "json_data TEXT AS (printf('{\"x\": \"%.*c\"}', 2000000000, 'x')))",
    )
    with pytest.raises(SourceError, match="table 'dataset' has generated columns"):
        read_local(path)


def test_sqlite_values_are_capped_at_the_record_size(tmp_path):
    path = sqlite_file(
        tmp_path / "src.db",
        "CREATE TABLE dataset (id TEXT, json_data TEXT)",
        [("d1", '{"notes": "' + "x" * 2_000_000 + '"}')],
    )
    with pytest.raises(SourceError, match="string or blob too big"):
        read_local(path)


def test_a_slow_sqlite_read_stops_at_the_deadline(tmp_path):
    rows = [(f"d{n}", "{}") for n in range(50_000)]
    path = sqlite_file(tmp_path / "src.db", "CREATE TABLE dataset (id TEXT, json_data TEXT)", rows)
    with pytest.raises(SourceError, match="longer than the download timeout"):
        read_local(path, download_timeout=0.000001)


def test_a_long_token_in_a_document_is_refused(tmp_path):
    path = tmp_path / "doc.json"
    path.write_text('{"dataset": {"d1": {"id": "d1", "notes": "' + "x" * 3_000_000 + '"}}}')
    with pytest.raises(SourceError, match=r"a JSON token at byte .* is larger than 1000000 bytes"):
        read_local(path)


def test_a_gzip_inflating_to_a_long_string_stops_at_the_record_cap(tmp_path):
    path = tmp_path / "doc.json.gz"
    body = b'{"dataset": {"d1": {"id": "d1", "notes": "' + b"x" * 200_000_000 + b'"}}}'
    path.write_bytes(gzip.compress(body, compresslevel=1))
    with pytest.raises(SourceError, match="larger than 1000000 bytes"):
        read_local(path, max_bytes=1_000_000_000)


def test_a_large_dataset_is_refused_but_many_small_organizations_are_not(tmp_path):
    organizations = {f"org-{n}": {"title": "t" * 200} for n in range(10_000)}  # 2.5 MB
    document = {
        "organization": organizations,
        "dataset": {"d1": {"id": "d1", "tags": ["t" * 100] * 20_000}},  # 2 MB of small tokens
    }
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SourceError, match=r"the dataset starting at byte .* is larger than"):
        read_local(path, max_groups=20_000)
    document["dataset"]["d1"]["tags"] = ["small"]
    path.write_text(json.dumps(document))
    assert len(read_local(path, max_groups=20_000)) == 10_001


def test_a_long_json_line_is_refused(tmp_path):
    path = tmp_path / "doc.jsonl"
    path.write_text('{"type": "dataset", "id": "d1", "notes": "' + "x" * 2_000_000 + '"}\n')
    with pytest.raises(SourceError, match="line 1 is longer than 1000000 bytes"):
        read_local(path)


def test_counts_are_capped(tmp_path):
    path = tmp_path / "doc.json"
    datasets = {f"d{n}": {"id": f"d{n}"} for n in range(5)}
    path.write_text(json.dumps({"group": {"g1": {}, "g2": {}}, "dataset": datasets}))
    with pytest.raises(SourceError, match=r"more than 4 dataset records \(.*max_datasets\)"):
        read_local(path, max_datasets=4)
    with pytest.raises(SourceError, match=r"more than 1 group records \(.*max_groups\)"):
        read_local(path, max_groups=1)


def test_a_ckan_api_that_pages_for_ever_is_stopped(server):
    def organization_list(handler):
        offset = int(handler.path.split("offset=")[1].split("&")[0])
        answer(handler, [{"name": f"org-{offset + n}"} for n in range(25)])

    server.routes["/api/3/action/organization_list"] = organization_list
    with (
        pytest.raises(SourceError, match="more than 1000 organization records"),
        open_source(server.url("/"), None, loopback_settings()) as records,
    ):
        list(records)


def test_a_deep_ckan_api_answer_is_a_source_error(server):
    server.routes["/api/3/action/organization_list"] = lambda h: reply(
        h, ('{"success": true, "result": ' + nested(DEEP) + "}").encode()
    )
    with (
        pytest.raises(SourceError, match="organization_list: the answer: nested deeper"),
        open_source(server.url("/"), None, loopback_settings()) as records,
    ):
        list(records)


def test_the_deadline_covers_a_status_line_and_headers_sent_drop_by_drop(server):
    def drip(handler):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        try:
            while True:
                handler.wfile.write(b"X-Drip: 1\r\n")
                handler.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass  # the client gave up

    server.routes["/doc.json"] = drip
    settings = loopback_settings(read_timeout=1, download_timeout=2)
    with (
        pytest.raises(SourceError, match="download not finished within 2 s"),
        open_source(server.url("/doc.json"), None, settings) as records,
    ):
        list(records)


def test_a_directory_named_like_a_file_is_a_source_error(tmp_path):
    (tmp_path / "x.json").mkdir()
    with pytest.raises(SourceError, match="is not a regular file"):
        read_local(tmp_path / "x.json")


def test_a_path_outside_the_allowed_directories_tells_nothing_about_it(tmp_path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (tmp_path / "secret").mkdir()
    settings = make_settings(local_source_dirs=(str(allowed),))
    for path in (tmp_path / "secret", tmp_path / "missing"):
        with (
            pytest.raises(SourceError, match="outside the allowed directories"),
            open_source(str(path), None, settings) as records,
        ):
            list(records)
