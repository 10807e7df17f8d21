"""API tokens as the tests use them: issued on the administrator's page (as people do), or through the service
for a test about what a token reads; and calls to the JSON API with one."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import select

from core.accounts.models import User
from core.apitokens.services import issue_token
from core.db.timeutil import uk_today
from core.extensions import db
from tests.support.html import press, signed_in
from tests.support.people import DEMO_PASSWORD

ADMIN = "admin@northmoor.example"  # Alex Admin, the demo's administrator
RAW = re.compile(r"wmk_[A-Za-z0-9_-]{43}")


def issue_on_page(client, changes: dict, *, follow: bool = False):
    """As a signed-in administrator: open "Issue an API token", fill it in and press the button."""
    page = client.get("/admin/api-tokens/new")
    assert page.status_code == 200
    return press(client, page, "Issue the token", changes, follow=follow)


def raw_token_on(response) -> str | None:
    """The token shown on a page, if one is."""
    found = RAW.search(response.get_data(as_text=True))
    return found.group(0) if found else None


def page_token(app, changes: dict | None = None, *, admin: str = ADMIN, password: str = DEMO_PASSWORD) -> str:
    """A service token for reading, issued on the page by the demo's administrator; the token."""
    client = signed_in(app, admin, password)
    response = issue_on_page(client, {"name": "Student records system", **(changes or {})})
    assert response.status_code == 201, response.get_data(as_text=True)
    raw = raw_token_on(response)
    assert raw
    return raw


def service_token(app, email: str, *, scopes=("read",), days: int = 30, admin: str = ADMIN) -> str:
    """A token acting as this person's account, issued through the service by the demo's administrator."""
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.email == admin))
        issued = issue_token(
            actor,
            name=f"Token for {email}",
            scopes=scopes,
            expires_on=uk_today() + timedelta(days=days),
            kind="personal",
            email=email,
            form_key=secrets.token_urlsafe(16),
        )
        db.session.commit()
        return issued.raw


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def api_get(client, path: str, token: str, **kwargs):
    """GET an API address with the token."""
    return client.get(path, headers=bearer(token), **kwargs)


def api_post(client, path: str, token: str, body: dict):
    """POST JSON to an API address with the token."""
    return client.post(path, json=body, headers=bearer(token))


def assert_problem(response, status: int) -> dict:
    """The answer is problem details (RFC 9457) with this status, and no stack trace; its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    assert "<html" not in text.lower()
    return body
