"""HTTPS to a pinned address: the certificate is checked against the URL's host name."""

import pytest

from ckanext.syncsource.sources import SourceError

from .conftest import make_settings, reply, tls_fetcher


def fetch(url, certificate):
    fetcher = tls_fetcher(make_settings(allowed_networks=("127.0.0.1/32",)), certificate)
    with fetcher.download(url) as download:
        return download.file.read()


def test_tls_to_the_pinned_address_checks_the_host_name(make_tls_server, certificate):
    server = make_tls_server()
    server.routes["/"] = lambda h: reply(h, h.headers["Host"].encode())
    assert fetch(server.url("/"), certificate) == f"catalogue.test:{server.port}".encode()
    with pytest.raises(SourceError, match=r"TLS error with other\.test"):
        fetch(server.url("/", host="other.test"), certificate)
