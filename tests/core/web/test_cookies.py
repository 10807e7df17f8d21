"""The session cookie slides with activity but is re-signed at most once a minute (core/web/cookies.py)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from core.web import cookies
from tests.support.html import login, logout


def _sent_session_cookie(response) -> bool:
    return any(h.startswith("waymark_session=") for h in response.headers.getlist("Set-Cookie"))


def test_a_page_read_soon_after_signing_in_does_not_resend_the_cookie(client, candidate):
    login(client, candidate.email)
    response = client.get("/account")
    assert response.status_code == 200
    assert "Casey" in response.get_data(as_text=True)
    assert not _sent_session_cookie(response)


def test_an_older_cookie_is_refreshed_so_the_idle_timeout_slides(client, candidate, monkeypatch):
    login(client, candidate.email)
    before = client.get_cookie("waymark_session").value
    # As if the cookie had been signed more than a minute ago.
    monkeypatch.setattr(cookies, "REFRESH_AFTER", timedelta(0))
    time.sleep(1.1)  # the signature's clock counts whole seconds
    response = client.get("/account")
    assert _sent_session_cookie(response)
    assert client.get_cookie("waymark_session").value != before
    assert client.get("/account").status_code == 200


def test_a_page_that_changes_the_session_sends_it_at_once(client, candidate):
    login(client, candidate.email)
    before = client.get_cookie("waymark_session").value
    # Signing out empties the session and stores a flash message: the cookie must change at once.
    response = logout(client)
    assert _sent_session_cookie(response)
    assert client.get_cookie("waymark_session").value != before


def test_a_tampered_cookie_is_a_new_empty_session(client, candidate):
    login(client, candidate.email)
    value = client.get_cookie("waymark_session").value
    client.set_cookie("waymark_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_static_file_neither_varies_with_nor_sets_the_cookie(client, candidate):
    login(client, candidate.email)
    page = client.get("/account").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/css/app\.css[^"]*)"', page).group(1)
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert "Cookie" not in response.headers.get("Vary", "")
    assert not _sent_session_cookie(response)
    assert "immutable" in response.headers["Cache-Control"]
