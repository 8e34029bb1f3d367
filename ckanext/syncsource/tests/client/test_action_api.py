"""The action API client: CKAN's answers on a live site, and failures that are not answers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ckanext.syncsource.client.action_api import (
    ActionApi,
    CkanUnreachable,
    NotAuthorized,
    NotFound,
    ValidationError,
)


def test_a_missing_object_is_not_found(site):
    with pytest.raises(NotFound):
        site.api.call("package_show", {"id": "no-such-dataset"})
    assert site.api.show("package_show", id="no-such-dataset") is None


def test_a_refused_write_carries_ckan_s_error_dict(site):
    with pytest.raises(ValidationError) as error:
        site.api.call("package_create", {"name": "Not A Name"})
    assert error.value.status == 409
    assert error.value.error_type == "Validation Error"
    assert "name" in error.value.error
    assert site.token not in str(error.value)


def test_without_the_key_a_write_is_not_authorized(site):
    with pytest.raises(NotAuthorized):
        ActionApi(site.url, timeout=10).call("package_create", {"name": "anonymous"})


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


class _HtmlHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b"<html>Bad gateway</html>"
        self.send_response(502)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def html_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_server_that_does_not_answer_times_out(silent_server):
    with pytest.raises(CkanUnreachable, match="Timeout"):
        ActionApi(silent_server, "secret", timeout=0.5).call("status_show")


def test_an_answer_that_is_not_ckan_s_json_is_unreachable(html_server):
    with pytest.raises(CkanUnreachable, match="HTTP 502, the answer is not JSON"):
        ActionApi(html_server, timeout=5).call("status_show")


def test_a_closed_port_is_unreachable():
    with socket.socket() as sock:
        # bound and not listening: connections are refused, and nothing else can take the port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        with pytest.raises(CkanUnreachable, match="ConnectionError"):
            ActionApi(f"http://127.0.0.1:{port}", timeout=5).call("status_show")
