import gzip
import json
from pathlib import Path

import pytest

from ckanext.syncsource.sources import SourceError, format_names, guess_format, open_source

from .conftest import loopback_settings, make_settings, reply


def read(url, fmt, settings):
    with open_source(url, fmt, settings) as records:
        return list(records)


DOC = json.dumps({"organization": {"o": {"name": "o"}}, "dataset": {"d": {"id": "d"}}}).encode()


@pytest.mark.parametrize(
    ("url", "fmt"),
    [
        ("https://x.org/export/catalogue.json", "json"),
        ("https://x.org/catalogue.JSON.gz", "json"),
        ("https://x.org/catalogue.jsonl?token=1", "jsonl"),
        ("https://x.org/catalogue.ndjson.gz", "jsonl"),
        ("/srv/catalogue.jsonl.gz", "jsonl"),
        ("file:///srv/catalogue.sqlite", "sqlite"),
        ("https://x.org/dump.db", "sqlite"),
        ("/srv/catalogue/", "directory"),
        ("https://ckan.x.org", "ckan"),
        ("https://ckan.x.org/", "ckan"),
        ("https://ckan.x.org/api/3/action", "ckan"),
    ],
)
def test_guess_format(url, fmt):
    assert guess_format(url) == fmt
    assert fmt in format_names()


def test_guess_format_for_an_existing_directory(tmp_path):
    assert guess_format(str(tmp_path)) == "directory"


@pytest.mark.parametrize("url", ["https://x.org/export", "https://x.org/catalogue.xml"])
def test_unguessable_url_asks_for_format(url):
    with pytest.raises(SourceError, match='set "format" in the source config'):
        guess_format(url)


@pytest.mark.parametrize(
    ("path", "content"), [("/c.json", DOC), ("/c.json.gz", gzip.compress(DOC))]
)
def test_json_over_http(server, path, content):
    server.routes[path] = lambda h: reply(h, content, 200, "application/octet-stream")
    with open_source(server.url(path), None, loopback_settings()) as records:
        assert [(r.kind, r.key) for r in records] == [("organization", "o"), ("dataset", "d")]


def test_gzip_content_encoding_is_undone(server):
    headers = {"Content-Encoding": "gzip"}
    server.routes["/export"] = lambda h: reply(h, gzip.compress(DOC), headers=headers)
    with open_source(server.url("/export"), "json", loopback_settings()) as records:
        assert len(list(records)) == 2
    assert server.requests[0][1]["Accept-Encoding"] == "gzip"


def test_jsonl_over_http_with_format_given(server):
    body = b'{"type": "dataset", "id": "d"}\n'
    server.routes["/export"] = lambda h: reply(h, body, 200, "application/x-ndjson")
    with open_source(server.url("/export"), "jsonl", loopback_settings()) as records:
        assert [r.key for r in records] == ["d"]


def test_sqlite_over_http(server, tmp_path):
    import sqlite3

    with sqlite3.connect(tmp_path / "c.db") as connection:
        connection.execute("CREATE TABLE dataset (id TEXT, json_data TEXT)")
        connection.execute("INSERT INTO dataset VALUES ('d', '{}')")
    connection.close()
    server.routes["/c.db"] = lambda h: reply(h, (tmp_path / "c.db").read_bytes())
    with open_source(server.url("/c.db"), None, loopback_settings()) as records:
        assert [r.key for r in records] == ["d"]


def test_html_instead_of_json(server):
    server.routes["/c.json"] = lambda h: reply(h, b"<html>Login</html>", 200, "text/html")
    with (
        pytest.raises(
            SourceError,
            match=r"^source http://127\.0\.0\.1:\d+/c\.json: not JSON \(got text/html\)$",
        ),
        open_source(server.url("/c.json"), None, loopback_settings()),
    ):
        pass


def test_errors_during_iteration_name_the_source(server):
    server.routes["/c.json"] = lambda h: reply(h, DOC[:-5])
    with (
        pytest.raises(
            SourceError, match=r"^source http://127\.0\.0\.1:\d+/c\.json: truncated JSON"
        ),
        open_source(server.url("/c.json"), None, loopback_settings()) as records,
    ):
        list(records)


def test_unknown_format():
    with pytest.raises(SourceError, match="unknown format 'xml'"):
        read("https://x.org/c.xml", "xml", make_settings())


@pytest.mark.parametrize(
    ("url", "fmt", "message"),
    [
        ("/srv/c/", "ckan", "the ckan format needs an http"),
        ("https://x.org/c/", "directory", "the directory format needs a local path"),
    ],
)
def test_format_and_url_kind_must_agree(url, fmt, message, connections):
    with pytest.raises(SourceError, match=message):
        read(url, fmt, make_settings(local_source_dirs=("/srv",)))
    assert connections == []


def local_doc(tmp_path: Path) -> Path:
    path = tmp_path / "allowed" / "c.json"
    path.parent.mkdir()
    path.write_bytes(DOC)
    return path


def read_local(url, dirs):
    return [r.key for r in read(url, None, make_settings(local_source_dirs=dirs))]


def test_local_file_and_file_url_below_an_allowed_dir(tmp_path):
    path = local_doc(tmp_path)
    dirs = (str(path.parent),)
    assert read_local(str(path), dirs) == read_local(f"file://{path}", dirs) == ["o", "d"]


def test_local_sources_disabled_by_default(tmp_path):
    with pytest.raises(SourceError, match="local sources disabled"):
        read_local(str(local_doc(tmp_path)), ())


@pytest.mark.parametrize("suffix", ["/../outside.json", "/../allowed-evil/c.json"])
def test_paths_outside_the_allowed_dirs(tmp_path, suffix):
    allowed = local_doc(tmp_path).parent
    (tmp_path / "outside.json").write_bytes(DOC)
    (tmp_path / "allowed-evil").mkdir()
    (tmp_path / "allowed-evil" / "c.json").write_bytes(DOC)
    with pytest.raises(SourceError, match="outside the allowed directories"):
        read_local(f"{allowed}{suffix}", (str(allowed),))


def test_symlink_out_of_the_allowed_dir(tmp_path):
    allowed = local_doc(tmp_path).parent
    (tmp_path / "secret.json").write_bytes(DOC)
    (allowed / "link.json").symlink_to(tmp_path / "secret.json")
    with pytest.raises(SourceError, match="outside the allowed directories"):
        read_local(str(allowed / "link.json"), (str(allowed),))


def test_file_url_with_a_host_is_refused(tmp_path):
    with pytest.raises(SourceError, match="remote host"):
        read_local("file://server/share/c.json", (str(tmp_path),))


def test_settings_refuse_relative_local_dirs():
    with pytest.raises(ValueError, match="not an absolute path"):
        make_settings(local_source_dirs=("srv",))
