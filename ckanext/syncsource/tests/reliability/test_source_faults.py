"""Faults of the source: every way a hostile HTTP server can answer, on a first run and on a
steady-state run. Expected each time: the job ends with one error naming the cause, nothing on
the site changes, and the next good run works."""

from __future__ import annotations

import re

import pytest

from ..harvest_runner import job_errors, run_job, wait_until
from ..harvester.site_view import stats
from .conftest import catalogue
from .hostile_server import (
    DRIP_LIMIT,
    HostileServer,
    close_delimited,
    document,
    drip,
    gzipped,
    reset_after,
    response,
)
from .invariants import stored_digests

MAX_BYTES = 200_000
DOWNLOAD_TIMEOUT = 3

pytestmark = [
    pytest.mark.ckan_config("ckanext.syncsource.allowed_networks", ["127.0.0.1/32"]),
    pytest.mark.ckan_config("ckanext.syncsource.max_bytes", MAX_BYTES),
    pytest.mark.ckan_config("ckanext.syncsource.download_timeout", DOWNLOAD_TIMEOUT),
    pytest.mark.ckan_config("ckanext.syncsource.read_timeout", 2),
    pytest.mark.ckan_config("ckanext.syncsource.connect_timeout", 2),
]


def _serve_fault(server: HostileServer, path: str, fault: str, good: bytes) -> None:
    """Make `path` answer with `fault` (`good` is the document a good run would read)."""
    truncated = good[: len(good) // 2]
    packed = gzipped(good)
    answers = {
        "status 500": response(b"Internal error", "500 Internal Server Error", "text/plain"),
        "status 404": response(b"Not here", "404 Not Found", "text/plain"),
        "status 403": response(b"Go away", "403 Forbidden", "text/plain"),
        "redirect to a refused address": response(
            b"", "302 Found", Location="http://169.254.169.254/latest/meta-data"
        ),
        "truncated JSON": response(truncated),
        "truncated gzip": response(packed[: len(packed) // 2], Content_Encoding="identity"),
        "gzip bomb": response(gzipped(b'{"dataset": {' + b" " * 10 * MAX_BYTES)),
        "invalid UTF-8": response(good.replace(b"Dataset", b"Dataset \xff\xfe", 1)),
        "HTML page with status 200": response(
            b"<html><body>Maintenance</body></html>", content_type="text/html"
        ),
        "top level is a list": response(b'[{"dataset": {}}]'),
        "top level is a string": response(b'"catalogue"'),
        "empty body": response(b""),
        "10x max_bytes": close_delimited(b"[" + b"0," * 5 * MAX_BYTES + b"0]"),
    }
    if fault in answers:
        server.serve(path, answers[fault])
    elif fault == "redirect loop":
        server.serve(path, response(b"", "302 Found", Location=f"{path}/again"))
        server.serve(f"{path}/again", response(b"", "302 Found", Location=path))
    elif fault == "1 byte/s body":
        body = b" " * 1000 + good
        server.routes[path] = drip(body, head=response(body)[: -len(body)])
    elif fault == "1 byte/s status line":
        server.routes[path] = drip(response(good))
    elif fault == "reset mid-body":
        server.routes[path] = reset_after(response(good), len(response(good)) - len(good) // 2)
    else:
        raise AssertionError(f"unknown fault {fault!r}")


REASONS = {
    "status 500": r"HTTP 500",
    "status 404": r"HTTP 404",
    "status 403": r"HTTP 403",
    "redirect loop": r"redirect loop at",
    "redirect to a refused address": r"refused address 169\.254\.169\.254",
    "1 byte/s body": rf"download not finished within {DOWNLOAD_TIMEOUT}",
    "1 byte/s status line": rf"within {DOWNLOAD_TIMEOUT}",
    "reset mid-body": r"connection broken after \d+ bytes",
    "truncated JSON": r"truncated JSON at byte",
    "truncated gzip": r"truncated gzip data",
    "gzip bomb": rf"larger than {MAX_BYTES} bytes once decompressed",
    "invalid UTF-8": r"invalid UTF-8 at byte \d+",
    "HTML page with status 200": r"not JSON \(got text/html\)",
    "top level is a list": r"top level is not a JSON object \(got array\)",
    "top level is a string": r"top level is not a JSON object \(got string\)",
    "empty body": r"truncated JSON at byte 0",
    "10x max_bytes": rf"larger than {MAX_BYTES} bytes",
}
DRIPS = ("1 byte/s body", "1 byte/s status line")
QUICK = {"status 500", "redirect to a refused address", "1 byte/s body", "gzip bomb"}


def _cases():
    for fault in REASONS:
        for run in ("first run", "steady state"):
            marks = []
            if fault not in QUICK or (run == "first run" and fault != "1 byte/s body"):
                marks.append(pytest.mark.full)
            yield pytest.param(fault, run, marks=marks, id=f"{fault} / {run}")


@pytest.fixture
def server():
    hostile = HostileServer()
    yield hostile
    hostile.close()
    assert hostile.errors == []


@pytest.mark.parametrize(("fault", "run"), _cases())
def test_a_source_fault_fails_the_job_cleanly_and_the_next_good_run_works(case, server, fault, run):
    path = "/catalogue.json"
    source, source_name = case.new_source(server.url(path), format="json")
    ids = tuple(f"{source_name}-{n}" for n in range(3))
    good = document(catalogue(ids))
    server.serve(path, response(good))
    if run == "steady state":
        case.expect(source_name, ids)
        assert stats(run_job(source["id"]))["added"] == len(ids)
    before = stored_digests()
    _serve_fault(server, path, fault, good)

    job = run_job(source["id"])

    [error] = job_errors(job["id"])
    assert "The source could not be read, nothing was changed" in error
    assert re.search(REASONS[fault], error), error
    assert stored_digests() == before
    if fault in DRIPS:
        # Bounded: the reader hung up while the server still had bytes to drip.
        wait_until(lambda: path in server.hung_up, timeout=DRIP_LIMIT + 10, what="a hang-up")

    server.serve(path, response(document(catalogue(ids, title="Changed"))))
    job = run_job(source["id"])
    case.expect(source_name, ids)
    assert (job_errors(job["id"]), stats(job)["errored"]) == ([], 0)
    changed = stats(job)["added"] if run == "first run" else stats(job)["updated"]
    assert changed == len(ids)
