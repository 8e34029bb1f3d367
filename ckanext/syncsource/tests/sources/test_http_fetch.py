import ipaddress
import socket
import threading

import pytest

from ckanext.syncsource.sources import HttpFetcher, SourceError

from .conftest import loopback_settings, make_settings, reply, tls_fetcher

TOKEN = "secret-token-123"


def fetch(url, settings, **kwargs):
    authorized = kwargs.pop("authorized", False)
    with HttpFetcher(settings, **kwargs).download(url, authorized=authorized) as download:
        return download.file.read(), download.content_type, download.url


def pinned(mapping):
    """A resolver answering from `mapping` (host -> addresses), as a DNS server would."""

    def resolve(host, port):
        if host not in mapping:
            raise SourceError(f"could not resolve host {host!r}")
        return [ipaddress.ip_address(a) for a in mapping[host]]

    return resolve


def test_downloads_body_and_content_type(server):
    server.routes["/doc.json"] = lambda h: reply(
        h, b'{"a": 1}', 200, "application/json; charset=utf-8"
    )
    body, content_type, url = fetch(server.url("/doc.json"), loopback_settings())
    assert (body, content_type, url) == (b'{"a": 1}', "application/json", server.url("/doc.json"))
    assert server.requests[0][1]["User-Agent"] == "syncsource-tests"


@pytest.mark.parametrize("status", [404, 500])
def test_http_error_status_is_named(server, status):
    server.routes["/x"] = lambda h: reply(h, b"oops", status, "text/plain")
    with pytest.raises(SourceError, match=f"HTTP {status}"):
        fetch(server.url("/x"), loopback_settings())


def test_size_limit_from_content_length(server):
    server.routes["/big"] = lambda h: reply(h, b"x" * 2000)
    with pytest.raises(SourceError, match=r"larger than 1000 bytes"):
        fetch(server.url("/big"), loopback_settings(max_bytes=1000))


def test_size_limit_while_streaming_without_length(server):
    def chunked(handler):
        handler.protocol_version = "HTTP/1.0"
        handler.send_response(200)
        handler.end_headers()
        for _ in range(100):
            handler.wfile.write(b"x" * 1000)

    server.routes["/stream"] = chunked
    with pytest.raises(SourceError, match=r"larger than 5000 bytes"):
        fetch(server.url("/stream"), loopback_settings(max_bytes=5000))


def test_truncated_body_is_an_error(server):
    def short(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"x" * 10)
        handler.close_connection = True

    server.routes["/short"] = short
    with pytest.raises(SourceError, match=r"connection broken after 10 bytes"):
        fetch(server.url("/short"), loopback_settings())


def test_read_timeout(server):
    # The server answers only once the test lets it, so only the read timeout can end the fetch.
    released = threading.Event()
    server.routes["/slow"] = lambda h: (released.wait(30), reply(h, b"{}"))
    with pytest.raises(SourceError, match=r"no answer within 0.3 s"):
        fetch(server.url("/slow"), loopback_settings(read_timeout=0.3))
    released.set()


def test_download_timeout_stops_a_dripping_server(server):
    # The server drips until the test stops it, so only the download deadline can end the fetch.
    stopped = threading.Event()

    def drip(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000000")
        handler.end_headers()
        while not stopped.wait(0.05):
            handler.wfile.write(b"x")
            handler.wfile.flush()

    server.routes["/drip"] = drip
    with pytest.raises(SourceError, match=r"not finished within 0.5 s"):
        fetch(server.url("/drip"), loopback_settings(read_timeout=1, download_timeout=0.5))
    stopped.set()


def test_connection_refused_is_named():
    # A port held bound but not listening refuses connections, and no other process can take it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        with pytest.raises(SourceError, match=r"could not connect to 127.0.0.1 port"):
            fetch(f"http://127.0.0.1:{port}/", loopback_settings())


def test_dns_failure_is_named(connections):
    with pytest.raises(SourceError, match=r"could not resolve host 'nowhere.test'"):
        fetch("http://nowhere.test/doc.json", loopback_settings(), resolve=pinned({}))
    assert connections == []


def test_follows_redirects(server):
    server.routes["/old"] = lambda h: reply(h, status=301, headers={"Location": "/new"})
    server.routes["/new"] = lambda h: reply(h, b"[]")
    body, _, url = fetch(server.url("/old"), loopback_settings())
    assert (body, url) == (b"[]", server.url("/new"))


def test_redirect_loop(server):
    server.routes["/a"] = lambda h: reply(h, status=302, headers={"Location": "/b"})
    server.routes["/b"] = lambda h: reply(h, status=302, headers={"Location": "/a"})
    with pytest.raises(SourceError, match=r"redirect loop"):
        fetch(server.url("/a"), loopback_settings())


def test_too_many_redirects(server):
    for n in range(5):
        server.routes[f"/{n}"] = lambda h, n=n: reply(
            h, status=307, headers={"Location": f"/{n + 1}"}
        )
    with pytest.raises(SourceError, match=r"too many redirects \(more than 3\)"):
        fetch(server.url("/0"), loopback_settings(max_redirects=3))
    assert len(server.requests) == 4


def test_connects_to_the_checked_address_with_the_original_host(server):
    resolve = pinned({"catalogue.test": ["127.0.0.1"]})
    server.routes["/doc.json"] = lambda h: reply(h, b"{}")
    url = server.url("/doc.json", host="catalogue.test")
    settings = make_settings(allowed_networks=("127.0.0.1/32",))
    assert fetch(url, settings, resolve=resolve)[0] == b"{}"
    assert server.requests[0][1]["Host"] == f"catalogue.test:{server.port}"


def test_ipv6_loopback_when_allowed(make_server):
    server = make_server("::1")
    server.routes["/doc.json"] = lambda h: reply(h, b"{}")
    assert fetch(server.url("/doc.json"), loopback_settings())[0] == b"{}"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", r"169\.254\.169\.254 \(link-local\)"),
        ("http://10.0.0.1/doc.json", r"10\.0\.0\.1 \(private\)"),
        ("http://192.168.1.20/doc.json", r"192\.168\.1\.20 \(private\)"),
        ("http://127.0.0.1/doc.json", r"127\.0\.0\.1 \(loopback\)"),
        ("http://[::1]/doc.json", r"::1 \(loopback\)"),
        ("http://[fc00::1]/doc.json", r"fc00::1 \(unique-local\)"),
        ("http://[fd12:3456::1]/doc.json", r"fd12:3456::1 \(unique-local\)"),
        ("http://[::ffff:10.0.0.1]/doc.json", r"::ffff:a00:1 \(private, embedded in IPv6\)"),
        ("http://localhost/doc.json", r"(127\.0\.0\.1|::1) \(loopback\)"),
    ],
)
def test_refuses_non_public_addresses_before_connecting(connections, url, reason):
    with pytest.raises(SourceError, match=rf"refused address {reason}.*allow_private_addresses"):
        fetch(url, make_settings())
    assert connections == []


def test_refuses_a_host_when_any_of_its_addresses_is_refused(connections):
    resolve = pinned({"rebind.test": ["93.184.216.34", "10.1.2.3"]})
    with pytest.raises(SourceError, match=r"refused address 10.1.2.3"):
        fetch("http://rebind.test/doc.json", make_settings(), resolve=resolve)
    assert connections == []


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://127.0.0.2/"],
)
def test_refuses_a_redirect_to_a_refused_address(server, connections, target):
    server.routes["/doc.json"] = lambda h: reply(h, status=302, headers={"Location": target})
    settings = make_settings(allowed_networks=("127.0.0.1/32",))
    with pytest.raises(SourceError, match=r"refused address"):
        fetch(server.url("/doc.json"), settings)
    assert connections == ["127.0.0.1"]
    assert len(server.requests) == 1


@pytest.mark.parametrize("url", ["ftp://example.org/doc.json", "file:///etc/passwd"])
def test_only_http_schemes(connections, url):
    with pytest.raises(SourceError, match=r"unsupported URL scheme"):
        fetch(url, loopback_settings())
    assert connections == []


def test_refuses_a_redirect_to_a_file_url(server):
    server.routes["/doc.json"] = lambda h: reply(
        h, status=302, headers={"Location": "file:///etc/passwd"}
    )
    with pytest.raises(SourceError, match=r"unsupported URL scheme 'file'"):
        fetch(server.url("/doc.json"), loopback_settings())


def test_credentials_in_url_are_refused_and_not_shown(server):
    with pytest.raises(SourceError) as caught:
        fetch(server.url("/doc.json", host="user:hunter2@127.0.0.1"), loopback_settings())
    assert "hunter2" not in str(caught.value)
    assert "***@127.0.0.1" in str(caught.value)


def token_settings(*origins):
    return make_settings(
        allowed_networks=("127.0.0.1/32",), api_tokens={origin: TOKEN for origin in origins}
    )


def authorized_fetch(url, settings, certificate):
    with tls_fetcher(settings, certificate).download(url, authorized=True) as download:
        return download.file.read()


def test_token_goes_to_its_https_origin_and_never_after_a_redirect_away(
    make_tls_server, certificate
):
    first, second = make_tls_server(), make_tls_server()
    first.routes["/api"] = lambda h: reply(h, status=302, headers={"Location": first.url("/same")})
    first.routes["/same"] = lambda h: reply(h, status=302, headers={"Location": second.url("/x")})
    second.routes["/x"] = lambda h: reply(h, b"{}")
    settings = token_settings(f"https://catalogue.test:{first.port}")
    authorized_fetch(first.url("/api"), settings, certificate)
    assert [headers.get("Authorization") for _, headers in first.requests] == [TOKEN, TOKEN]
    assert "Authorization" not in second.requests[0][1]


def test_no_token_for_an_origin_the_site_did_not_bind(make_tls_server, certificate):
    """The source URL is chosen by its editors: a token bound to one site is not sent to
    another, even on the same host."""
    bound, other = make_tls_server(), make_tls_server()
    other.routes["/api"] = lambda h: reply(h, b"{}")
    settings = token_settings(f"https://catalogue.test:{bound.port}")
    authorized_fetch(other.url("/api"), settings, certificate)
    assert "Authorization" not in other.requests[0][1]


def test_token_never_goes_over_plain_http(server):
    server.routes["/api"] = lambda h: reply(h, b"{}")
    settings = loopback_settings(api_tokens={f"https://127.0.0.1:{server.port}": TOKEN})
    fetch(server.url("/api"), settings, authorized=True)
    assert "Authorization" not in server.requests[0][1]


def test_token_not_sent_unless_authorized(make_tls_server, certificate):
    server = make_tls_server()
    server.routes["/doc.json"] = lambda h: reply(h, b"{}")
    settings = token_settings(f"https://catalogue.test:{server.port}")
    with tls_fetcher(settings, certificate).download(server.url("/doc.json")):
        pass
    assert "Authorization" not in server.requests[0][1]


def test_settings_repr_hides_the_token():
    assert TOKEN not in repr(loopback_settings(api_tokens={"https://x.org:443": TOKEN}))
