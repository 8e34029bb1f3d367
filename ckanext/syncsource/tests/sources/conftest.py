"""Fixtures: a real HTTP(S) server on 127.0.0.1 (ephemeral port) and a guard against other
traffic."""

import dataclasses
import ipaddress
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from ckanext.syncsource.sources import HttpFetcher, ReaderSettings

BASE_SETTINGS = ReaderSettings(
    connect_timeout=2,
    read_timeout=2,
    download_timeout=10,
    max_bytes=10_000_000,
    max_redirects=5,
    user_agent="syncsource-tests",
    max_record_bytes=1_000_000,
    max_datasets=100_000,
    max_groups=1000,
)


def make_settings(**changes) -> ReaderSettings:
    return dataclasses.replace(BASE_SETTINGS, **changes)


def loopback_settings(**changes) -> ReaderSettings:
    """Settings that explicitly allow private addresses, so the local test server is reachable."""
    return make_settings(allow_private_addresses=True, **changes)


Route = Callable[[BaseHTTPRequestHandler], None]


def reply(
    handler: BaseHTTPRequestHandler,
    body: bytes = b"",
    status: int = 200,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


class LocalServer:
    """Answers GET requests from `routes` (path without query -> handler function)."""

    def __init__(
        self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None, name: str | None = None
    ) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.errors: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(urlsplit(self.path).path)
                if route is None:
                    reply(self, b"not found", 404, "text/plain")
                else:
                    route(self)

            def log_message(self, *args) -> None:
                pass

        def handle_error(_httpd, request, client_address) -> None:
            # Readers that stop early (size cap, deadline) reset the connection on purpose;
            # any other error (an assertion in a route) fails the test when the server stops.
            error = sys.exc_info()[1]
            if not isinstance(error, (BrokenPipeError, ConnectionResetError)):
                server.errors.append(repr(error))

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        members = {"address_family": family, "handle_error": handle_error}
        server_class = type("Server", (ThreadingHTTPServer,), members)
        self._httpd = server_class((host, 0), Handler)
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self.name = name  # the host name URLs use instead of the address
        self._httpd.daemon_threads = True
        self.host = host
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str, host: str | None = None) -> str:
        host = host or self.name or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"{self.scheme}://{host}:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def running_servers() -> Iterator[Callable[[LocalServer], LocalServer]]:
    """Start servers; on leaving, stop them and fail on any error they met while answering.

    A TLS handshake the client refuses (the pinning tests provoke them) fails in `accept`,
    which the server drops before any handler runs: it is not such an error.
    """
    servers: list[LocalServer] = []

    def start(server: LocalServer) -> LocalServer:
        server.start()
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
    assert [error for server in servers for error in server.errors] == []


@pytest.fixture
def make_server() -> Iterator[Callable[..., LocalServer]]:
    with running_servers() as start:
        yield lambda host="127.0.0.1": start(LocalServer(host))


@pytest.fixture
def server(make_server) -> LocalServer:
    return make_server()


TLS_HOST = "catalogue.test"
"""The name the TLS test servers' certificate is for; `tls_fetcher` resolves it to 127.0.0.1."""


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate and key for `TLS_HOST`."""
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl CLI")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", f"/CN={TLS_HOST}"),
            *("-addext", f"subjectAltName=DNS:{TLS_HOST}"),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture
def make_tls_server(certificate) -> Iterator[Callable[[], LocalServer]]:
    """Starts HTTPS servers; their `url(path)` names `TLS_HOST`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with running_servers() as start:
        yield lambda: start(LocalServer(tls=context, name=TLS_HOST))


def tls_fetcher(settings: ReaderSettings, certificate: tuple[str, str]) -> HttpFetcher:
    """A fetcher that finds `TLS_HOST` on 127.0.0.1 and trusts the test certificate."""
    return HttpFetcher(
        settings,
        resolve=lambda host, port: [ipaddress.ip_address("127.0.0.1")],
        ssl_context=ssl.create_default_context(cafile=certificate[0]),
    )


@pytest.fixture(autouse=True)
def connections(monkeypatch) -> list[str]:
    """Every outgoing connection attempt; one to a non-loopback address fails the test at once."""
    attempts: list[str] = []
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        attempts.append(host)
        internet = sock.family in (socket.AF_INET, socket.AF_INET6)
        if internet and not ipaddress.ip_address(host.split("%", 1)[0]).is_loopback:
            pytest.fail(f"test tried to connect to non-loopback address {host}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    return attempts
