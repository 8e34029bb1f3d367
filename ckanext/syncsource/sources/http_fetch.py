"""Downloading a URL safely: address checks on every hop, timeouts, a size cap.

The host of each hop is resolved once, every address is checked, and the connection goes to a
checked address (with the original Host header and TLS server name), so a second DNS answer
cannot redirect the connection to a refused address.

`download_timeout` bounds the whole exchange: a watchdog shuts the connection down at the
deadline, since a server dripping its status line or headers never trips a read timeout.
"""

import contextlib
import json
import socket
import ssl
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import SplitResult, urljoin, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from .addresses import IPAddress, Resolver, checked_addresses, resolve_host
from .errors import SourceError, display_url
from .settings import ReaderSettings

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
CHUNK_BYTES = 64 * 1024
ERROR_BODY_BYTES = 8 * 1024
"""How much of an error answer is read for the message it may carry (CKAN's JSON errors)."""


@dataclass(frozen=True)
class Download:
    file: BinaryIO  # positioned at 0; a named temporary file, deleted when the download closes
    content_type: str  # media type in lower case without parameters; "" when not sent
    url: str  # the URL finally answered, after redirects

    def reject_html(self, expected: str) -> None:
        """Refuse an HTML answer (a login or error page) where `expected` content belongs."""
        if self.content_type in HTML_TYPES:
            raise SourceError(f"not {expected} (got {self.content_type})")


@dataclass(frozen=True)
class _Target:
    parts: SplitResult
    host: str
    port: int

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.parts.scheme, self.host, self.port)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host.encode("idna").decode("ascii")
        default_port = 443 if self.parts.scheme == "https" else 80
        return host if self.port == default_port else f"{host}:{self.port}"

    @property
    def request_path(self) -> str:
        path = self.parts.path or "/"
        return f"{path}?{self.parts.query}" if self.parts.query else path


class _Watchdog:
    """Shuts down every connection it was given once the deadline has passed."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._connections: list = []
        self._timer = threading.Timer(max(deadline - time.monotonic(), 0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def track(self, connection) -> None:
        self._connections.append(connection)

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def _fire(self) -> None:
        for connection in self._connections:
            sock = getattr(connection, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):  # already closed
                    sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class _WatchedPool:
    """Mixin: hands each new connection of the pool to its watchdog."""

    watchdog: _Watchdog

    def _new_conn(self):
        connection = super()._new_conn()
        self.watchdog.track(connection)
        return connection


class _HTTPPool(_WatchedPool, urllib3.HTTPConnectionPool):
    pass


class _HTTPSPool(_WatchedPool, urllib3.HTTPSConnectionPool):
    pass


def refuse_credentials(url: str) -> None:
    """Raise SourceError when `url` carries a user name or password: the URL of a source is
    shown to everyone who may see the source, a token belongs in the site configuration."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return  # reported as an invalid URL where the URL is read
    if parts.username is not None or parts.password is not None:
        raise SourceError(
            f"credentials in the URL {display_url(url)} are not supported; "
            "a remote CKAN token belongs in the site configuration"
        )


def _parse_target(url: str) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise SourceError(f"invalid URL {display_url(url)} ({e})") from e
    if parts.scheme not in ("http", "https"):
        raise SourceError(f"unsupported URL scheme {parts.scheme!r} (only http and https)")
    refuse_credentials(url)
    if not parts.hostname:
        raise SourceError(f"URL {display_url(url)} has no host")
    return _Target(parts, parts.hostname, port or (443 if parts.scheme == "https" else 80))


class HttpFetcher:
    """Fetches http(s) URLs under the limits of `settings`.

    `resolve` and `ssl_context` are injectable: tests point host names at a local server and
    trust a local certificate; a site could pass a context trusting its internal CA.
    """

    def __init__(
        self,
        settings: ReaderSettings,
        *,
        resolve: Resolver = resolve_host,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._settings = settings
        self._resolve = resolve
        self._ssl_context = ssl_context

    @contextmanager
    def download(self, url: str, *, authorized: bool = False) -> Iterator[Download]:
        """Download `url` into a temporary file.

        With `authorized`, the token the site binds to the https origin of `url` is sent, and
        only to that origin (never to another origin a redirect leads to, nor over http).
        """
        with tempfile.NamedTemporaryFile(prefix="syncsource-", suffix=".download") as file:
            content_type, final_url = self._fetch_into(url, file, authorized)
            file.seek(0)
            yield Download(file, content_type, final_url)

    def _fetch_into(self, url: str, file: BinaryIO, authorized: bool) -> tuple[str, str]:
        timeout = self._settings.download_timeout
        watchdog = _Watchdog(time.monotonic() + timeout)
        late = f"download not finished within {timeout} s"
        try:
            answer = self._follow(url, file, authorized, watchdog)
        except SourceError as e:
            if watchdog.expired():
                raise SourceError(f"{late} ({e})") from e
            raise
        finally:
            watchdog.cancel()
        if watchdog.expired():  # cut short: the headers or the body may look complete
            raise SourceError(late)
        return answer

    def _follow(
        self, url: str, file: BinaryIO, authorized: bool, watchdog: _Watchdog
    ) -> tuple[str, str]:
        settings = self._settings
        deadline = watchdog.deadline
        origin = _parse_target(url).origin
        token = settings.token_for(url) if authorized else None
        seen = {url}
        current = url
        for _hop in range(settings.max_redirects + 1):
            target = _parse_target(current)
            after = "" if current == url else f" (after redirect to {display_url(current)})"
            headers = {"User-Agent": settings.user_agent, "Accept-Encoding": "gzip"}
            if token and target.origin == origin:
                headers["Authorization"] = token
            response = self._request(target, headers, watchdog, after)
            try:
                if response.status in REDIRECT_STATUSES:
                    location = response.headers.get("Location")
                    if not location:
                        raise SourceError(f"HTTP {response.status} without a Location{after}")
                    current = urljoin(current, location)
                    if current in seen:
                        raise SourceError(f"redirect loop at {display_url(current)}")
                    seen.add(current)
                    continue
                if response.status != 200:
                    reason = f" {response.reason}" if response.reason else ""
                    detail = _error_detail(response)
                    raise SourceError(f"HTTP {response.status}{reason}{after}{detail}")
                self._stream_body(response, file, deadline, after)
                content_type = response.headers.get("Content-Type", "")
                return content_type.split(";", 1)[0].strip().lower(), current
            finally:
                response.close()
        raise SourceError(f"too many redirects (more than {settings.max_redirects})")

    def _request(
        self, target: _Target, headers: dict[str, str], watchdog: _Watchdog, after: str
    ) -> urllib3.BaseHTTPResponse:
        settings = self._settings
        addresses = checked_addresses(target.host, target.port, settings, self._resolve)
        headers["Host"] = target.host_header
        failures = []
        for address in addresses:
            pool = self._pool(target, address, watchdog)
            try:
                return pool.urlopen(
                    "GET",
                    target.request_path,
                    headers=headers,
                    retries=False,
                    redirect=False,
                    preload_content=False,
                    decode_content=False,
                    assert_same_host=False,
                )
            except NewConnectionError as e:
                failures.append(f"{address}: {e}")
            except ConnectTimeoutError:
                failures.append(f"{address}: no connection within {settings.connect_timeout} s")
            except ReadTimeoutError as e:
                raise SourceError(f"no answer within {settings.read_timeout} s{after}") from e
            except SSLError as e:
                raise SourceError(f"TLS error with {target.host}: {e}{after}") from e
            except HTTPError as e:
                raise SourceError(f"HTTP request failed: {e}{after}") from e
        raise SourceError(
            f"could not connect to {target.host} port {target.port}{after} ({'; '.join(failures)})"
        )

    def _pool(
        self, target: _Target, address: IPAddress, watchdog: _Watchdog
    ) -> urllib3.HTTPConnectionPool:
        settings = self._settings
        remaining = max(watchdog.deadline - time.monotonic(), 0.001)
        timeout = urllib3.Timeout(
            connect=min(settings.connect_timeout, remaining),
            read=min(settings.read_timeout, remaining),
        )
        pool: urllib3.HTTPConnectionPool
        if target.parts.scheme == "http":
            pool = _HTTPPool(str(address), target.port, timeout=timeout, maxsize=1)
        else:
            pool = _HTTPSPool(
                str(address),
                target.port,
                timeout=timeout,
                maxsize=1,
                cert_reqs="CERT_REQUIRED",
                ssl_context=self._ssl_context,
                server_hostname=target.host,
                assert_hostname=target.host,
            )
        pool.watchdog = watchdog
        return pool

    def _stream_body(
        self, response: urllib3.BaseHTTPResponse, file: BinaryIO, deadline: float, after: str
    ) -> None:
        max_bytes = self._settings.max_bytes
        too_large = f"larger than {max_bytes} bytes{after}"
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip"):
            raise SourceError(f"unsupported Content-Encoding {encoding!r}{after}")
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise SourceError(f"{too_large} (Content-Length {length})")
        received = 0
        try:
            # read1 returns what has arrived, so a server dripping bytes meets the deadline.
            while chunk := response.read1(CHUNK_BYTES, decode_content=False):
                received += len(chunk)
                if received > max_bytes:
                    raise SourceError(too_large)
                if time.monotonic() > deadline:
                    raise SourceError(
                        f"download not finished within {self._settings.download_timeout} s "
                        f"({received} bytes received){after}"
                    )
                file.write(chunk)
        except ReadTimeoutError as e:
            raise SourceError(
                f"no data for {self._settings.read_timeout} s after {received} bytes{after}"
            ) from e
        except (ProtocolError, HTTPError) as e:
            raise SourceError(f"connection broken after {received} bytes: {e}{after}") from e
        file.flush()


def _error_detail(response: urllib3.BaseHTTPResponse) -> str:
    """The message a JSON error answer carries (CKAN's `{"error": {"message": ...}}`), as
    `": message"`, or "" when there is none. Reads at most `ERROR_BODY_BYTES`, within the
    connection's timeouts and the download's deadline."""
    if "json" not in response.headers.get("Content-Type", "").lower():
        return ""
    try:
        raw = response.read(ERROR_BODY_BYTES, decode_content=False)
        if response.headers.get("Content-Encoding", "").strip().lower() == "gzip":
            raw = zlib.decompressobj(wbits=31).decompress(raw, ERROR_BODY_BYTES)
        body = json.loads(raw)
    except (OSError, HTTPError, ProtocolError, zlib.error, ValueError):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message = error.get("message") or {k: v for k, v in error.items() if k != "__type"}
    else:
        message = error
    if not message:
        return ""
    text = message if isinstance(message, str) else json.dumps(message)
    return ": " + " ".join(text.split())[:300]
