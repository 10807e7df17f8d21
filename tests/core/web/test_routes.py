"""B1/B3/B7: every route declares its rule; every role gets what the rule says; every POST needs a CSRF
token; GETs change nothing; every response carries the security headers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.apitokens.permissions import API_TOKEN
from core.extensions import db
from core.web.access import rule_for
from tests.support.html import csrf_from, login
from tests.support.people import make_user

ACTORS = [None, *Role]  # None: anonymous


def _sample(converter) -> object:
    # Ids that exist for nobody: an allowed actor then gets 404/410, a refused one 403 or the login page.
    return 999999 if type(converter).__name__ == "IntegerConverter" else "not-a-real-token"


def _routes(app):
    """(endpoint, url, methods) for every rule, with sample values for its arguments."""
    found = []
    adapter = app.url_map.bind("localhost")
    for url_rule in app.url_map.iter_rules():
        if url_rule.endpoint == "static":
            continue
        values = {name: _sample(conv) for name, conv in url_rule._converters.items()}
        url = adapter.build(url_rule.endpoint, values)
        methods = sorted(m for m in url_rule.methods if m in {"GET", "POST"})
        found.append((url_rule.endpoint, url, methods))
    # Sign-out last, so it does not end the actor's session before the other routes are tried.
    return sorted(found, key=lambda r: (r[0] == "core.accounts.logout", r[1]))


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def _signed_in_client(app, role: Role | None):
    client = app.test_client()
    if role is None:
        return client, None
    person = make_user(app, f"{role.value}@matrix.example", name=f"Matrix {role.value}", roles=(role,))
    assert "Hello" in login(client, person.email).get_data(as_text=True)
    return client, person


def test_every_route_declares_a_rule(app):
    missing = [r.endpoint for r in app.url_map.iter_rules() if rule_for(app, r.endpoint) is None]
    assert missing == []


def test_a_route_without_a_rule_is_reachable_by_nobody(database_url, tmp_path):
    from core.app import create_app
    from tests.conftest import TEST_CONFIG

    app = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "WAYMARK_DATA_DIR": str(tmp_path)}
    )
    app.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    response = app.test_client().get("/undeclared")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ACTORS, ids=lambda r: r.value if r else "anonymous")
def test_each_role_gets_what_each_route_declares(app, role):
    client, person = _signed_in_client(app, role)
    with app.app_context():
        from core.accounts.models import User

        user = db.session.get(User, person.id) if person else None
        routes = _routes(app)
        rules = {endpoint: rule_for(app, endpoint) for endpoint, _, _ in routes}
    mismatches = []
    for endpoint, url, methods in routes:
        for method in methods:
            if method == "GET":
                response = client.get(url)
            else:
                token = csrf_from(client.get("/login" if role is None else "/account").get_data(as_text=True))
                response = client.post(url, data={"csrf_token": token})
            declared = rules[endpoint]
            with app.app_context():
                allowed = declared.allows(db.session.merge(user) if user else _Anonymous())
            location = response.headers.get("Location", "")
            refused = response.status_code == 403 or (
                response.status_code == 302 and location.startswith("/login?next=")
            )
            if allowed == refused or response.status_code >= 500:
                mismatches.append(f"{method} {url} ({declared.name}) -> {response.status_code} {location}")
    assert mismatches == []


class _Anonymous:
    is_authenticated = False


@pytest.mark.parametrize("role", ACTORS, ids=lambda r: r.value if r else "anonymous")
def test_no_get_changes_the_database(app, role):
    client, _ = _signed_in_client(app, role)
    with app.app_context():
        before = _row_counts()
    for _endpoint, url, methods in _routes(app):
        if "GET" in methods:
            client.get(url)
    with app.app_context():
        assert _row_counts() == before


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(app):
    client, _ = _signed_in_client(app, Role.ADMIN)
    with app.app_context():
        before = _row_counts()
    posts = [(endpoint, url) for endpoint, url, methods in _routes(app) if "POST" in methods]
    # The JSON API takes no cookie (a bearer token, never the session), so it has no CSRF token to check:
    # the signed-in browser's forged POST gets 401 there, and changes nothing either.
    api = [(e, url) for e, url in posts if rule_for(app, e) is API_TOKEN]
    assert api
    posts = [(e, url) for e, url in posts if (e, url) not in api]
    assert len(posts) >= 8
    with app.app_context():
        from core.accounts.models import User

        admin = db.session.scalar(select(User).where(User.email == f"{Role.ADMIN.value}@matrix.example"))
        refused = {e for e, _ in posts if not rule_for(app, e).allows(admin)}
    assert refused  # routes of roles the administrator does not hold (an assessor's marking page)
    for endpoint, url in posts:
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data=data)
            # A route the person may not use refuses before anything reads the body (the route gate runs
            # ahead of the CSRF check, which parses the form): 403; every other route checks the token.
            if endpoint in refused:
                assert response.status_code == 403, url
            else:
                assert response.status_code == 400, url
                assert "nothing was changed" in response.get_data(as_text=True)
    for _endpoint, url in api:
        response = client.post(url, data={"csrf_token": "forged"})
        assert response.status_code == 401, url
        assert response.mimetype == "application/problem+json"
    with app.app_context():
        assert _row_counts() == before
    assert "Hello" in client.get("/").get_data(as_text=True)


REQUIRED_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
# same-origin everywhere, or a stricter policy where a page asks for one (the public certificate check).
REFERRER_POLICIES = {"same-origin", "no-referrer"}


@pytest.mark.parametrize("role", [None, Role.ADMIN], ids=["anonymous", "admin"])
def test_every_response_carries_the_security_headers(app, role):
    client, _ = _signed_in_client(app, role)
    urls = [(endpoint, url) for endpoint, url, methods in _routes(app) if "GET" in methods] + [
        ("static", "/static/css/app.css"),
        (None, "/no-such-page"),
    ]
    for endpoint, url in urls:
        response = client.get(url)
        for header, expected in REQUIRED_HEADERS.items():
            assert expected in response.headers.get(header, ""), (url, header)
        assert response.headers.get("Referrer-Policy") in REFERRER_POLICIES, url
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        if endpoint == "static":
            continue
        if response.headers["Cache-Control"].startswith("public"):
            # Only a document published for anyone (a verifier's keys, a revocation list) may be cached, and
            # never with someone's session cookie.
            assert rule_for(app, endpoint).anonymous, url
            assert "Set-Cookie" not in response.headers, url
        else:
            assert response.headers["Cache-Control"] == "no-store", url


def test_cookies_are_httponly_and_samesite(client, candidate):
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": candidate.email, "password": candidate.password, "remember": "y", "csrf_token": token},
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} >= {"waymark_session", "waymark_remember"}
    for cookie in cookies:
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain HTTP here


def test_cookies_are_secure_over_https(client, candidate):
    page = client.get("/login", base_url="https://localhost")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={"email": candidate.email, "password": candidate.password, "csrf_token": token},
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies
    assert all("Secure" in c for c in cookies)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
