"""A small load balancer for tests: a threaded HTTP proxy in front of several app servers, round-robin, or
the server a request names in `X-Backend` (0, 1, ...). Each answer says which server gave it (`X-Served-By`).
It buffers whole requests and answers, as a proxy in front of Waymark does by default (nginx)."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Hop-by-hop headers (RFC 9110, 7.6.1) belong to one connection, not to the request passed on.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Balancer

    def _forward(self) -> None:
        backends = self.server.backends
        named = self.headers.get("X-Backend")
        index = int(named) if named is not None else next(self.server.turns) % len(backends)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"x-backend"}}
        conn = http.client.HTTPConnection("127.0.0.1", backends[index], timeout=120)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
        finally:
            conn.close()
        self.send_response_only(reply.status, reply.reason)
        for name, value in reply.getheaders():
            if name.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Served-By", str(index))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_HEAD = _forward  # noqa: N815  (http.server's names)

    def log_message(self, format, *args):
        pass


class _Balancer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, backends: list[int]):
        super().__init__(("127.0.0.1", 0), _Forward)
        self.backends = backends
        self.turns = itertools.count()


@contextlib.contextmanager
def balancing(backend_ports: list[int]) -> Iterator[str]:
    """The proxy's base URL while the block runs."""
    server = _Balancer(backend_ports)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
