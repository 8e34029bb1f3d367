"""HTTPS to a pinned address: the certificate is checked against the URL's host name."""

import ipaddress
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ckanext.syncsource.sources import HttpFetcher, SourceError

from .conftest import make_settings, reply

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl CLI")


@pytest.fixture
def tls_server(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=catalogue.test"),
            *("-addext", "subjectAltName=DNS:catalogue.test"),
        ],
        check=True,
        capture_output=True,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            reply(self, self.headers["Host"].encode())

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], ssl.create_default_context(cafile=str(cert))
    httpd.shutdown()
    httpd.server_close()


def fetch(url, client_context):
    fetcher = HttpFetcher(
        make_settings(allowed_networks=("127.0.0.1/32",)),
        resolve=lambda host, port: [ipaddress.ip_address("127.0.0.1")],
        ssl_context=client_context,
    )
    with fetcher.download(url) as download:
        return download.file.read()


def test_tls_to_the_pinned_address_checks_the_host_name(tls_server):
    port, client_context = tls_server
    assert (
        fetch(f"https://catalogue.test:{port}/", client_context)
        == f"catalogue.test:{port}".encode()
    )
    with pytest.raises(SourceError, match=r"TLS error with other\.test"):
        fetch(f"https://other.test:{port}/", client_context)
