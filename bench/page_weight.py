"""Page weight as a browser transfers it: the bytes on the wire (status line, headers, body as sent) of a page
and the stylesheets and scripts it links, on a first visit (empty cache) and a repeat visit (the cache kept,
the assets' Cache-Control obeyed: fresh ones are not asked for, stale ones are revalidated).

    python -m bench.page_weight http://127.0.0.1:5000 [--email E] [--password P] [PATH ...]

The requests carry what a current browser sends on a same-site navigation over HTTPS (`Accept-Encoding:
gzip, deflate, br`, `Sec-Fetch-Site`); the server is any running Waymark with the demo loaded.
"""

from __future__ import annotations

import argparse
import http.client
import re
import time
from urllib.parse import urlencode, urljoin, urlsplit

DEMO_PASSWORD = "waymark-demo-2026"  # noqa: S105 - the demo's documented password
BROWSER = {
    "Accept-Encoding": "gzip, deflate, br",
    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "User-Agent": "waymark-page-weight",
}
_ASSET = re.compile(r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src)="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_MAX_AGE = re.compile(r"max-age=(\d+)")


class Visitor:
    """One browser: its cookie and its HTTP cache (URL -> (expires at, validators))."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.host = urlsplit(self.base).netloc
        self.cookies: dict[str, str] = {}
        self.cache: dict[str, tuple[float, dict[str, str]]] = {}

    def fetch(
        self, method: str, path: str, *, body: str | None = None, site: str = "same-origin", extra=None
    ):
        """One request; returns (status, headers, raw body, bytes on the wire)."""
        headers = {**BROWSER, "Sec-Fetch-Site": site, **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(self.host, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + sum(
            len(f"{k}: {v}\r\n") for k, v in response.getheaders()
        )
        return response.status, {k.lower(): v for k, v in response.getheaders()}, raw, head + 2 + len(raw)

    def sign_in(self, email: str, password: str) -> None:
        _, headers, page, _ = self.fetch("GET", "/login", site="none")
        token = _CSRF.search(decode(page, headers.get("content-encoding", ""))).group(1)
        form = urlencode({"csrf_token": token, "email": email, "password": password})
        status, _, _, _ = self.fetch("POST", "/login", body=form)
        if status != 302:
            raise SystemExit(f"sign-in as {email} failed: HTTP {status}")

    def asset(self, url: str) -> int:
        """Bytes for one linked asset, as a browser with this cache would spend them."""
        now = time.time()
        cached = self.cache.get(url)
        if cached and cached[0] > now:
            return 0  # fresh in the cache: no request at all
        extra = {}
        if cached:
            validators = cached[1]
            if "etag" in validators:
                extra["If-None-Match"] = validators["etag"]
            if "last-modified" in validators:
                extra["If-Modified-Since"] = validators["last-modified"]
        status, headers, _, wire = self.fetch("GET", url, extra=extra)
        if status in (200, 304):
            found = _MAX_AGE.search(headers.get("cache-control", ""))
            fresh = int(found.group(1)) if found and "no-cache" not in headers.get("cache-control", "") else 0
            keep = {k: headers[k] for k in ("etag", "last-modified") if k in headers}
            self.cache[url] = (now + fresh, keep or (cached[1] if cached else {}))
        return wire

    def visit(self, path: str) -> tuple[int, int, int]:
        """(page bytes, asset bytes, assets asked for) for one navigation to `path`."""
        status, headers, raw, wire = self.fetch("GET", path)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}")
        html = decode(raw, headers.get("content-encoding", ""))
        urls = [urljoin(path, u.replace("&amp;", "&")) for u in _ASSET.findall(html)]
        spent = [self.asset(u) for u in urls]
        return wire, sum(spent), sum(1 for s in spent if s)


def decode(raw: bytes, encoding: str) -> str:
    if encoding == "gzip":
        import gzip

        raw = gzip.decompress(raw)
    elif encoding == "br":
        import brotli

        raw = brotli.decompress(raw)
    elif encoding == "deflate":
        import zlib

        raw = zlib.decompress(raw)
    return raw.decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("--email", default="candidate@school.example")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument(
        "--accept-encoding", default=BROWSER["Accept-Encoding"], help="'gzip, deflate' over HTTP"
    )
    parser.add_argument("paths", nargs="*", default=["/", "/study/CCQ/M01"])
    args = parser.parse_args()
    BROWSER["Accept-Encoding"] = args.accept_encoding
    visitor = Visitor(args.base)
    visitor.sign_in(args.email, args.password)
    print(f"{'page':24} {'visit':7} {'page B':>8} {'assets B':>9} {'requests':>8} {'total B':>8}")
    for path in args.paths:
        for label in ("first", "repeat"):
            if label == "first":
                visitor.cache.clear()
            page, assets, asked = visitor.visit(path)
            print(f"{path:24} {label:7} {page:8} {assets:9} {asked + 1:8} {page + assets:8}")


if __name__ == "__main__":
    main()
