"""Absolute links for email, built from WAYMARK_BASE_URL rather than the request's Host header,
which a client controls (a forged Host would otherwise put an attacker's site into a reset email)."""

from urllib.parse import urlsplit

from flask import current_app, url_for


def absolute_url(endpoint: str, **values) -> str:
    """The full URL of an endpoint on the configured site address (`_anchor` adds a #fragment)."""
    anchor = values.pop("_anchor", None)
    base = urlsplit(current_app.config["WAYMARK_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


# A number no route is built with, so the one place it appears in a built URL is where the id goes.
_SLOT = 987654321987654321


def id_urls(endpoint: str, key: str):
    """A function of an id giving `url_for(endpoint, **{key: id})`, built once: a page listing many rows
    (the assessor's queue, 50 a page) would otherwise run the URL map's builder for every row's link."""
    built = url_for(endpoint, **{key: _SLOT})
    head, tail = built.split(str(_SLOT))
    return lambda ident: f"{head}{int(ident)}{tail}"
