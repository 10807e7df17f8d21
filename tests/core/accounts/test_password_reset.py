"""Forgotten passwords: a one-hour, single-use emailed link that signs out every device."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.accounts.models import PasswordReset
from core.audit.models import AuditEvent
from core.db.timeutil import utcnow
from core.extensions import db
from core.mail.models import OutboxMessage
from tests.support.html import csrf_from, form_post, login
from tests.support.mail import emailed_links
from tests.support.people import PASSWORD

NEW_PASSWORD = "violet harbour tractor cinnamon"
SENT = (
    "If an account exists for that address, we have emailed a link to reset the password. "
    "It works once, for one hour."
)
FAILED = "The email address or password is not right"
_RESET_LINK = re.compile(r"http://waymark\.test(/reset-password/[A-Za-z0-9_-]+)")


def _ask_for_reset(client, email, *, follow=False):
    return form_post(client, "/forgot-password", {"email": email}, follow=follow)


def _links(app, email) -> list[str]:
    """The reset link paths emailed to this address, oldest first."""
    return emailed_links(app, email, _RESET_LINK)


def _reset_link(client, app, email) -> str:
    _ask_for_reset(client, email)
    return _links(app, email)[-1]


def _set_password(client, path, password=NEW_PASSWORD, *, follow=True):
    return form_post(client, path, {"password": password, "confirm": password}, follow=follow)


def _messages(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(OutboxMessage.id)))


def _signs_in(app, email, password) -> bool:
    page = login(app.test_client(), email, password).get_data(as_text=True)
    assert ("Hello," in page) != (FAILED in page)
    return "Hello," in page


@pytest.mark.parametrize("email", ["candidate@school.example", "nobody@school.example"])
def test_visitor_cannot_tell_whether_an_account_exists_from_the_reset_answer(client, app, candidate, email):
    response = _ask_for_reset(client, email)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert SENT in page


def test_only_an_existing_account_is_emailed_a_reset_link(client, app, candidate):
    _ask_for_reset(client, "nobody@school.example")
    assert _messages(app) == 0

    _ask_for_reset(client, "  Candidate@School.EXAMPLE ")
    assert _messages(app) == 1
    assert len(_links(app, candidate.email)) == 1
    with app.app_context():
        reset = db.session.scalars(select(PasswordReset)).one()
        assert reset.user_id == candidate.id
        assert reset.expires_at - reset.created_at == timedelta(hours=1)


def test_candidate_can_reset_a_forgotten_password(client, app, candidate):
    path = _reset_link(client, app, candidate.email)

    page = client.get(path).get_data(as_text=True)
    assert "Choose a new password" in page
    assert candidate.email in page
    response = _set_password(client, path)

    assert response.request.path == "/login"
    assert "Your password has been changed. Sign in with your new password." in response.get_data(
        as_text=True
    )
    assert not _signs_in(app, candidate.email, PASSWORD)
    assert _signs_in(app, candidate.email, NEW_PASSWORD)
    with app.app_context():
        assert db.session.scalar(select(PasswordReset.used_at)) is not None
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "password_reset")) == 1


def test_candidate_cannot_choose_a_weak_password_on_reset(client, app, candidate):
    path = _reset_link(client, app, candidate.email)

    response = _set_password(client, path, "password1234")

    assert response.status_code == 200
    assert "That password is on a list of commonly used passwords" in response.get_data(as_text=True)
    assert _signs_in(app, candidate.email, PASSWORD)
    assert client.get(path).status_code == 200  # still usable


def test_candidate_cannot_use_a_reset_link_twice(client, app, candidate):
    path = _reset_link(client, app, candidate.email)
    _set_password(client, path)

    response = client.get(path)
    assert response.status_code == 410
    assert "This reset link has already been used" in response.get_data(as_text=True)
    token = csrf_from(response.get_data(as_text=True))
    other = "another quite long passphrase"
    response = client.post(path, data={"password": other, "confirm": other, "csrf_token": token})
    assert response.status_code == 410
    assert not _signs_in(app, candidate.email, other)
    assert _signs_in(app, candidate.email, NEW_PASSWORD)


def test_candidate_cannot_use_an_expired_reset_link(client, app, candidate):
    path = _reset_link(client, app, candidate.email)
    with app.app_context():
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()

    response = client.get(path)
    assert response.status_code == 410
    assert "This reset link has expired" in response.get_data(as_text=True)
    token = csrf_from(response.get_data(as_text=True))
    response = client.post(
        path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 410
    assert _signs_in(app, candidate.email, PASSWORD)
    assert not _signs_in(app, candidate.email, NEW_PASSWORD)


def test_reset_signs_the_candidate_out_everywhere(client, app, candidate):
    elsewhere = app.test_client()
    login(elsewhere, candidate.email)
    assert elsewhere.get("/account").status_code == 200

    _set_password(client, _reset_link(client, app, candidate.email))

    response = elsewhere.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "Hello" not in elsewhere.get("/").get_data(as_text=True)


def test_visitor_cannot_request_more_than_three_resets_for_one_address(client, app, candidate):
    for _ in range(3):
        assert _ask_for_reset(client, candidate.email).status_code == 302

    response = _ask_for_reset(client, candidate.email)

    assert response.status_code == 429
    assert "Too many reset requests. Wait 15 minutes and try again." in response.get_data(as_text=True)
    assert len(_links(app, candidate.email)) == 3
