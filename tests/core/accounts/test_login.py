"""Signing in and out, sessions that end on the server, idle timeout (throttling: test_login_throttle.py)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from core.accounts.models import LoginAttempt, LoginSession
from core.audit.models import AuditEvent
from core.extensions import db
from tests.support.html import csrf_from, form_post, login, logout
from tests.support.people import PASSWORD, make_user

FAILED = "The email address or password is not right"


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("waymark_session")
    return cookie.value if cookie else None


def test_candidate_can_sign_in_through_the_form(client, candidate, app):
    response = login(client, candidate.email, follow=False)
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Hello, Casey Candidate" in home
    assert "Your study" in home
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginSession.id))) == 1
        assert (
            db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)) == "login"
        )


def test_email_is_matched_whatever_its_case(client, candidate):
    response = login(client, "  Candidate@SCHOOL.example ")
    assert "Hello, Casey Candidate" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "password"),
    [("candidate@school.example", "wrong password entirely"), ("nobody@school.example", PASSWORD)],
)
def test_visitor_cannot_sign_in_with_bad_credentials_and_learns_nothing(
    client, candidate, app, email, password
):
    response = login(client, email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert FAILED in page
    assert "Hello" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginSession.id))) == 0
        assert db.session.scalar(select(func.count(LoginAttempt.id))) == 1


def test_unknown_email_costs_the_same_work_as_a_wrong_password(client, candidate, app, monkeypatch):
    calls = []
    import core.accounts.rules as passwords

    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    login(client, candidate.email, "wrong password entirely")
    login(client, "nobody@school.example", "wrong password entirely")
    # One scrypt check each: the unknown address is checked against a dummy hash of the same cost.
    assert len(calls) == 2
    assert calls[0].split("$")[0] == calls[1].split("$")[0]


def test_disabled_account_cannot_sign_in(client, app, admin):
    person = make_user(app, "gone@school.example")
    with app.app_context():
        from core.accounts.models import User
        from core.accounts.services.accounts import set_disabled

        set_disabled(db.session.get(User, admin.id), db.session.get(User, person.id), disabled=True)
        db.session.commit()
    assert FAILED in login(client, person.email).get_data(as_text=True)


def test_sign_in_starts_a_new_cookie_session(client, candidate):
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    before = _session_cookie(client)
    login(client, candidate.email)
    with client.session_transaction() as sess:
        assert "planted" not in sess
    assert _session_cookie(client) != before


def test_logout_is_a_post_not_a_get(client, candidate):
    login(client, candidate.email)
    assert client.get("/logout").status_code == 405
    assert "Hello, Casey" in client.get("/").get_data(as_text=True)


def test_cookie_replayed_after_logout_is_refused(client, candidate, app):
    login(client, candidate.email)
    stolen = _session_cookie(client)
    response = logout(client)
    assert response.headers["Location"] == "/login"
    assert "You have signed out" in client.get("/login").get_data(as_text=True)
    # Someone who copied the cookie before sign-out presents it again.
    client.set_cookie("waymark_session", stolen)
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.scalar(select(LoginSession.revoked_at)) is not None


def test_remember_cookie_replayed_after_logout_is_refused(client, candidate):
    login(client, candidate.email, remember=True)
    remember = client.get_cookie("waymark_remember")
    assert remember is not None
    logout(client)
    client.delete_cookie("waymark_session")
    client.set_cookie("waymark_remember", remember.value)
    assert client.get("/account").status_code == 302


def test_remembered_candidate_stays_signed_in_after_the_browser_session_ends(client, candidate):
    login(client, candidate.email, remember=True)
    client.delete_cookie("waymark_session")  # the browser was closed
    assert "Hello, Casey" in client.get("/").get_data(as_text=True)


def test_idle_session_expires(app, candidate):
    app.config["PERMANENT_SESSION_LIFETIME"] = 1
    client = app.test_client()
    login(client, candidate.email)
    assert client.get("/account").status_code == 200
    time.sleep(2.1)
    # The signed cookie carries its own time: the server refuses it even if the browser kept it.
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_password_change_signs_out_other_devices_but_not_this_one(app, candidate):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, candidate.email)
    login(phone, candidate.email)
    new = "a different long passphrase"
    response = form_post(
        laptop,
        "/account",
        {"current_password": PASSWORD, "new_password": new, "confirm": new},
        follow=True,
    )
    assert "Your password has been changed. 1 other signed-in device was signed out." in response.get_data(
        as_text=True
    )
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert "Hello" in login(app.test_client(), candidate.email, new).get_data(as_text=True)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        (
            "wrong current one",
            "a different long passphrase",
            "a different long passphrase",
            "not your current",
        ),
        (PASSWORD, "short", "short", "at least 12 characters"),
        (PASSWORD, "password123456", "password123456", "commonly used"),
        (PASSWORD, "a different long passphrase", "not the same at all", "two passwords differ"),
    ],
)
def test_candidate_cannot_change_password_with_bad_input(
    client, candidate, app, current, new, confirm, message
):
    login(client, candidate.email)
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEvent.id)))
    response = form_post(
        client, "/account", {"current_password": current, "new_password": new, "confirm": confirm}
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert "Hello" in login(app.test_client(), candidate.email, PASSWORD).get_data(as_text=True)


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/account", "/account"),
        ("/admin/accounts?q=x", "/admin/accounts?q=x"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_never_leaves_the_site(client, candidate, next_value, expected):
    page = client.get("/login", query_string={"next": next_value})
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": candidate.email, "password": PASSWORD, "next": next_value, "csrf_token": token},
    )
    assert response.headers["Location"] == expected


def test_anonymous_visitor_is_sent_to_login_and_back(client, candidate):
    response = client.get("/account")
    assert response.headers["Location"] == "/login?next=/account"
    page = client.get(response.headers["Location"])
    assert 'value="/account"' in page.get_data(as_text=True)


def test_malformed_login_form_changes_nothing(client, app):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter your email address." in page
    assert "Enter your password." in page
    response = client.post("/login", data={"csrf_token": token, "email": "x" * 5000, "password": "y"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginAttempt.id))) == 0
