"""A hostile HTTP source on 127.0.0.1: each path answers with one fault, byte by byte.

Written on raw sockets, so it can send what no well-behaved server would (a status line one
byte per second, a reset in the middle of a body). It records whether the reader hung up
before the server gave up, which is how a case tells a bounded read from a server that
simply stopped, without timing anything; and any error of its own fails the case.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable

DRIP_LIMIT = 40
"""Bytes a dripping route sends (one per second) before the server gives up by itself."""

Route = Callable[[socket.socket], None]


def response(body: bytes, status: str = "200 OK", content_type="application/json", **headers):
    head = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", "Connection: close"]
    if "Content-Length" not in headers:
        head.append(f"Content-Length: {len(body)}")
    head += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class HostileServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hung_up: list[str] = []
        """Paths whose reader closed the connection while the server was still sending."""
        self.errors: list[str] = []
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                path = request.split(b" ", 2)[1].decode().split("?", 1)[0]
                route = server.routes.get(path)
                try:
                    if route is None:
                        self.request.sendall(response(b"no route", "404 Not Found", "text/plain"))
                    else:
                        route(self.request)
                except (BrokenPipeError, ConnectionResetError):
                    server.hung_up.append(path)
                except Exception as e:  # reported to the case, which fails
                    server.errors.append(f"{path}: {e!r}")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, data: bytes) -> None:
        self.routes[path] = lambda sock: sock.sendall(data)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def drip(data: bytes, head: bytes = b"") -> Route:
    """Send `head` at once, then `data` one byte per second, at most DRIP_LIMIT bytes."""

    def route(sock: socket.socket) -> None:
        sock.sendall(head)
        for byte in data[:DRIP_LIMIT]:
            sock.sendall(bytes([byte]))
            time.sleep(1)

    return route


def reset_after(data: bytes, sent: int) -> Route:
    """Send the first `sent` bytes of `data`, then reset the connection (RST, not FIN)."""

    def route(sock: socket.socket) -> None:
        sock.sendall(data[:sent])
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()

    return route


def close_delimited(body: bytes) -> bytes:
    """A response without Content-Length: the body ends when the connection closes."""
    head = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"
    return head.encode() + body


def document(content: dict) -> bytes:
    return json.dumps(content).encode()


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body, mtime=0)
