"""Per-request security: request ids, response headers, cookie flags, safe redirects."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, g, has_request_context, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def allow_form_target(origin: str) -> None:
    """Let this page's forms lead to another origin (form-action): a "Sign in with ..." button posts here,
    and the answer sends the browser on to its OpenID provider, which browsers check against the page's
    form-action. Only the page that shows such a form widens its policy."""
    g.setdefault("form_targets", set()).add(origin)


def _policy() -> str:
    targets = g.get("form_targets")
    if not targets:
        return CSP
    return CSP.replace("form-action 'self'", " ".join(["form-action 'self'", *sorted(targets)]))


def is_safe_next(target: str | None) -> bool:
    """True for a same-site path such as '/home?x=1'; false for anything that could leave the site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def install_security(app: Flask) -> None:
    """Register the request-id and response-header hooks."""

    @app.before_request
    def _request_id():
        g.request_id = secrets.token_hex(8)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers["Content-Security-Policy"] = _policy()
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        # same-origin: invitation and reset tokens in our URLs never reach another site. A page may ask for
        # less (the public certificate check sends none: a number in its URL is someone's certificate).
        headers.setdefault("Referrer-Policy", "same-origin")
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["X-Request-ID"] = g.get("request_id", "")
        # A document published for anyone (a verifier's public key, a revocation list) says so itself.
        if request.endpoint != "static" and not headers.get("Cache-Control", "").startswith("public"):
            # Personal pages must not be kept by the browser or a proxy: the back button after logout
            # must not show them.
            headers["Cache-Control"] = "no-store"
            headers.setdefault("Vary", "Cookie")
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return response


# How many links a worker remembers (a few hundred bytes each): enough for every menu, footer and queue row
# link a busy worker builds, bounded so that memory cannot grow with the number of objects linked to.
URL_MEMO_SIZE = 4096


class WaymarkFlask(Flask):
    """Flask, plus the Secure flag on every cookie of a request that came over HTTPS, and links remembered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._url_memo: dict[tuple, str] = {}

    def url_for(self, endpoint, *, _anchor=None, _method=None, _scheme=None, _external=None, **values):
        # A page asks for the same links many times (the menu, the footer, a row's links), and building one
        # through the URL map costs more than a dict lookup. Once the app is built the map is fixed, so a
        # relative link depends only on its endpoint, its values and the script root. Left out: static files
        # (their fingerprint follows the file), relative endpoints (".x" follows the blueprint), external
        # links and anchors, and anything outside a request.
        plain = _anchor is None and _method is None and _scheme is None and not _external
        if not (plain and has_request_context() and endpoint != "static" and not endpoint.startswith(".")):
            return super().url_for(
                endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external, **values
            )
        try:
            # With each value's type: True and 1 are equal keys but different links ("True", "1").
            key = (request.script_root, endpoint, *sorted((k, type(v), v) for k, v in values.items()))
            url = self._url_memo.get(key)
        except TypeError:  # an unhashable value: build it every time
            return super().url_for(endpoint, **values)
        if url is None:
            url = super().url_for(endpoint, **values)
            if len(self._url_memo) < URL_MEMO_SIZE:
                self._url_memo[key] = url
        return url

    def process_response(self, response):
        # After after_request hooks (Flask-Login's remember cookie) and after the session cookie is
        # written, so every cookie is covered, even when WAYMARK_HTTPS was not set.
        response = super().process_response(response)
        if response.headers.get("Cache-Control", "").startswith("public"):
            # A shared cache may keep a public document: it must never keep someone's session with it.
            response.headers.remove("Set-Cookie")
        elif request.is_secure:
            mark_cookies_secure(response)
        return response


def mark_cookies_secure(response) -> None:
    """Add the Secure flag to every Set-Cookie header that lacks it."""
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies:
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        if "; secure" not in cookie.lower():
            cookie += "; Secure"
        response.headers.add("Set-Cookie", cookie)
