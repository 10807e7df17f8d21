"""Static files with their content's fingerprint in the URL, cached for a year; responses compressed where
compression gives nothing away.

Fingerprints: `url_for('static', filename='css/app.css')` gives `/static/css/app.css?v=<hash>`, the hash of
the file's bytes (recomputed when its size or modification time changes, so an edited file gets a new URL
without a restart). A query string rather than a renamed file keeps relative `url()` references inside CSS
working: they resolve beside the stylesheet, unfingerprinted, and get the short lifetime.

Compression (Flask-Compress: brotli where the browser offers it, else gzip) and BREACH: a compressed response
that holds a secret (the CSRF token, a person's own data) next to text an attacker chose (a reflected query
parameter) leaks the secret through its length when the attacker can make the victim's browser send many such
requests and watch their sizes on the network. Such requests come from the attacker's site; the browser says
so in `Sec-Fetch-Site`. So personal responses are compressed only for requests the browser marks
`same-origin` or `none` (typed, bookmarked); static files and documents published for anyone (`Cache-Control:
public`) always; API requests that carry a bearer token and no cookie too (nothing ambient: only the token's
holder can send them). docs/operations.md ("Static files and compression") has the reasoning.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, request
from flask_compress import Compress
from werkzeug.security import safe_join

# A year, the longest lifetime caches honour; `immutable`: browsers do not even revalidate on reload.
FINGERPRINTED = "public, max-age=31536000, immutable"
# An unfingerprinted static URL (a `url()` in CSS, a stale bookmark) may change under the same name.
UNFINGERPRINTED = "public, max-age=300"
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/jwk-set+json",
    "image/svg+xml",
]
# Navigations and fetches the browser says the site itself (or the person, by typing) started.
TRUSTED_INITIATORS = frozenset({"same-origin", "none"})

_hashes: dict[str, tuple[tuple[int, int], str]] = {}


def fingerprint(folder: str, filename: str) -> str | None:
    """The first 16 hex digits of the SHA-256 of a static file's bytes; None for no such file."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    known = _hashes.get(path)
    if known and known[0] == key:
        return known[1]
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    _hashes[path] = (key, digest)
    return digest


def install_assets(app: Flask) -> None:
    """Fingerprinted static URLs with their cache lifetimes, and compression. Call before any other
    after_request hook is registered: hooks run in reverse order, and compression must come last."""
    app.config.update(
        COMPRESS_REGISTER=False,  # our hook below decides which responses are compressed
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],
    )
    compress = Compress()
    compress.init_app(app)
    app.extensions["waymark_compress"] = compress

    @app.url_defaults
    def _fingerprint_static(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = fingerprint(app.static_folder, values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def _compress(response):
        if response.status_code != 200 or not _may_compress(response):
            return response
        if request.endpoint == "static":
            # A static file is streamed from disk; read it (they are small) so that it is compressed whole,
            # with a Content-Length, instead of chunk by chunk.
            response.direct_passthrough = False
            response.get_data()
            response.headers.pop("Accept-Ranges", None)  # ranges would be of the compressed bytes
        return compress.after_request(response)

    @app.after_request
    def _static_lifetime(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            digest = fingerprint(app.static_folder, (request.view_args or {}).get("filename", ""))
            fresh = digest is not None and request.args.get("v") == digest
            response.headers["Cache-Control"] = FINGERPRINTED if fresh else UNFINGERPRINTED
        return response


def _may_compress(response) -> bool:
    if request.endpoint == "static" or response.headers.get("Cache-Control", "").startswith("public"):
        return True  # the same bytes for everyone: no secret to leak
    if request.headers.get("Sec-Fetch-Site") in TRUSTED_INITIATORS:
        return True
    # An API client's bearer token is sent by nobody else, so no other site can ask on its behalf.
    return request.headers.get("Authorization", "").startswith("Bearer ") and "Cookie" not in request.headers
