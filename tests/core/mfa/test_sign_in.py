"""Turning on an authenticator app, then signing in with it: codes, reuse, recovery codes, throttling."""

from __future__ import annotations

from sqlalchemy import func, select

from core.accounts.models import LoginAttempt, LoginSession, User
from core.accounts.services.accounts import change_password
from core.audit.models import AuditEvent
from core.extensions import db
from core.mail.models import OutboxMessage
from core.mfa.models import RecoveryCode, TotpSecret
from tests.support.html import form_post, login, logout, page_text
from tests.support.mail import emails_to
from tests.support.mfa import codes_on, enter_code, secret_on, set_up_app, sign_in_with_code
from tests.support.people import PASSWORD


def _actions(app, since: int = 0) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.seq > since).order_by(AuditEvent.seq)
            )
        )


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _with_app(client, candidate, clock):
    login(client, candidate.email)
    done = set_up_app(client, clock)
    logout(client)
    clock.tick()
    return done


def test_candidate_can_turn_on_an_authenticator_app_from_their_account(client, candidate, clock, app):
    login(client, candidate.email)
    account = page_text(client.get("/account"))
    assert "Multi-factor sign-in" in account
    assert "Status Off" in account
    page = client.get("/account/mfa/setup")
    body = page.get_data(as_text=True)
    # The QR code is drawn on the server into the page: no request leaves for a QR service.
    assert 'src="data:image/svg+xml' in body
    secret = secret_on(page)
    assert len(secret) == 32
    # The same key when the page is opened again, so a code from an app that scanned it first still works.
    assert secret_on(client.get("/account/mfa/setup")) == secret

    wrong = form_post(
        client, "/account/mfa/setup", {"code": "000000" if clock.code(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 422
    assert "That code is not right" in page_text(wrong)
    with app.app_context():
        assert db.session.scalar(select(func.count(TotpSecret.id))) == 0

    response = form_post(client, "/account/mfa/setup", {"code": clock.code(secret)})
    assert response.status_code == 200
    text = page_text(response)
    assert "the only time Waymark shows them" in text
    codes = codes_on(response)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    with app.app_context():
        row = db.session.scalar(select(TotpSecret))
        assert row.user_id == candidate.id
        assert secret not in row.sealed_secret  # sealed, not the key in plain text
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(hashes) == 10
        assert not any(code.replace("-", "") in h or code in h for code in codes for h in hashes)
    assert "mfa_enabled" in _actions(app)
    assert (
        emails_to(app, candidate.email, OutboxMessage.subject)[-1]
        == "Multi-factor sign-in is on for your Waymark account"
    )
    assert "Status On" in page_text(client.get("/account"))
    assert "Recovery codes left 10 of 10" in page_text(client.get("/account/mfa"))


def test_candidate_with_an_app_needs_its_code_after_the_password(client, candidate, clock, app):
    done = _with_app(client, candidate, clock)
    response = login(client, candidate.email, follow=False)
    assert response.headers["Location"] == "/login/code"
    # The password alone signs nobody in.
    assert not _signed_in(client)
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(LoginSession.id)).where(LoginSession.revoked_at.is_(None)))
            == 0
        )
    page = client.get("/login/code")
    assert "Confirm it is you" in page_text(page)
    response = enter_code(client, clock.code(done.secret))
    assert response.headers["Location"] == "/"
    assert "Hello, Casey Candidate" in page_text(client.get("/"))
    assert _actions(app)[-1] == "login"


def test_the_page_asked_for_goes_on_after_the_code(client, candidate, clock):
    done = _with_app(client, candidate, clock)
    form_post(
        client, "/login?next=/account", {"email": candidate.email, "password": PASSWORD, "next": "/account"}
    )
    assert enter_code(client, clock.code(done.secret)).headers["Location"] == "/account"


def test_visitor_cannot_sign_in_with_a_wrong_code(client, candidate, clock, app):
    done = _with_app(client, candidate, clock)
    login(client, candidate.email, follow=False)
    wrong = "123456" if clock.code(done.secret) != "123456" else "654321"
    response = enter_code(client, wrong)
    assert response.status_code == 422
    assert "That code is not right" in page_text(response)
    assert not _signed_in(client)
    with app.app_context():
        assert db.session.scalar(select(LoginAttempt.kind)) == "mfa"
    assert _actions(app)[-1] == "mfa_failed"
    # Still waiting for the code: the right one then signs in.
    assert enter_code(client, clock.code(done.secret)).headers["Location"] == "/"


def test_visitor_cannot_use_a_code_twice(client, candidate, clock, app):
    done = _with_app(client, candidate, clock)
    code = clock.code(done.secret)
    assert sign_in_with_code(client, candidate.email, PASSWORD, code).headers["Location"] == "/"
    logout(client)
    # Someone who watched the code being typed tries it again within its 30 seconds.
    response = sign_in_with_code(client, candidate.email, PASSWORD, code)
    assert response.status_code == 422
    assert "That code has already been used" in page_text(response)
    assert not _signed_in(client)
    # The code used when the app was set up is spent too.
    clock.tick()
    assert enter_code(client, clock.code(done.secret)).headers["Location"] == "/"


def test_the_code_setting_it_up_cannot_sign_in(client, candidate, clock):
    login(client, candidate.email)
    page = client.get("/account/mfa/setup")
    secret = secret_on(page)
    code = clock.code(secret)
    form_post(client, "/account/mfa/setup", {"code": code})
    logout(client)
    response = sign_in_with_code(client, candidate.email, PASSWORD, code)
    assert "already been used" in page_text(response)


def test_candidate_can_sign_in_once_with_each_recovery_code(client, candidate, clock, app):
    done = _with_app(client, candidate, clock)
    code = done.codes[3]
    # Typed as people copy it from paper: capitals, a space for the hyphen.
    response = sign_in_with_code(client, candidate.email, PASSWORD, "  " + code.upper().replace("-", " "))
    assert response.headers["Location"] == "/"
    home = page_text(client.get("/"))
    assert "You used a recovery code: 9 recovery codes left" in home
    assert "mfa_recovery_code_used" in _actions(app)
    assert (
        emails_to(app, candidate.email, OutboxMessage.subject)[-1]
        == "A recovery code was used to sign in to Waymark"
    )
    logout(client)
    again = sign_in_with_code(client, candidate.email, PASSWORD, code)
    assert again.status_code == 422
    assert "That recovery code is not right, or it has already been used" in page_text(again)
    assert enter_code(client, done.codes[4]).headers["Location"] == "/"


def test_wrong_codes_are_throttled_like_passwords(client, candidate, clock, app):
    done = _with_app(client, candidate, clock)
    login(client, candidate.email, follow=False)
    right = clock.code(done.secret)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(app.config["WAYMARK_LOGIN_MAX_FAILURES_ACCOUNT"]):
        assert enter_code(client, wrong).status_code == 422
    response = enter_code(client, right)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(app.config["WAYMARK_LOGIN_WINDOW_MINUTES"] * 60)
    assert "Too many wrong codes" in page_text(response)
    assert not _signed_in(client)
    # A fresh password does not reset the count: it is kept per account, in the database.
    other = app.test_client()
    assert sign_in_with_code(other, candidate.email, PASSWORD, right).status_code == 429


def test_a_right_code_clears_the_count_of_wrong_ones(client, candidate, clock, app):
    done = _with_app(client, candidate, clock)
    login(client, candidate.email, follow=False)
    right = clock.code(done.secret)
    enter_code(client, "000000" if right != "000000" else "111111")
    assert enter_code(client, right).headers["Location"] == "/"
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginAttempt.id)).where(LoginAttempt.kind == "mfa")) == 0


def test_code_page_without_a_password_sends_the_visitor_to_sign_in(client, candidate):
    response = client.get("/login/code")
    assert response.headers["Location"] == "/login"
    assert "Sign in again" in page_text(client.get("/login"))


def test_a_password_alone_cannot_add_an_app_to_an_account_that_has_one(client, candidate, clock, app):
    _with_app(client, candidate, clock)
    login(client, candidate.email, follow=False)
    response = client.get("/account/mfa/setup")
    assert response.headers["Location"] == "/login/code"
    response = form_post(client, "/login/code", {"code": "123456"}, action="/account/mfa/setup")
    assert response.headers["Location"] == "/login/code"
    with app.app_context():
        assert db.session.scalar(select(func.count(TotpSecret.id))) == 1


def test_visitor_can_cancel_a_sign_in_waiting_for_its_code(client, candidate, clock):
    _with_app(client, candidate, clock)
    login(client, candidate.email, follow=False)
    page = client.get("/login/code")
    response = form_post(client, "/login/code", {}, action="/login/code/cancel")
    assert response.headers["Location"] == "/login"
    assert page.status_code == 200
    assert "Sign-in cancelled" in page_text(client.get("/login"))
    assert client.get("/login/code").headers["Location"] == "/login"
    assert not _signed_in(client)


def test_a_sign_in_waits_ten_minutes_for_its_code(client, candidate, clock):
    done = _with_app(client, candidate, clock)
    login(client, candidate.email, follow=False)
    with client.session_transaction() as sess:
        held = sess["signin_pending"]
        sess["signin_pending"] = {**held, "since": held["since"] - 9 * 60}
    # Nine minutes on, the code still signs in; eleven minutes on, the password must be typed again.
    assert enter_code(client, clock.code(done.secret)).headers["Location"] == "/"
    logout(client)
    clock.tick()
    login(client, candidate.email, follow=False)
    with client.session_transaction() as sess:
        held = sess["signin_pending"]
        sess["signin_pending"] = {**held, "since": held["since"] - 11 * 60}
    assert client.get("/login/code").headers["Location"] == "/login"
    assert not _signed_in(client)


def test_secrets_sealed_with_the_app_key_open_after_a_rotation_that_keeps_it(client, candidate, clock, app):
    done = _with_app(client, candidate, clock)
    app.config["WAYMARK_MFA_KEYS"] = ["a new key for sealing", app.config["SECRET_KEY"]]
    assert (
        sign_in_with_code(client, candidate.email, PASSWORD, clock.code(done.secret)).headers["Location"]
        == "/"
    )


def test_a_key_lost_in_a_rotation_leaves_the_recovery_codes(client, candidate, clock, app):
    done = _with_app(client, candidate, clock)
    app.config["WAYMARK_MFA_KEYS"] = ["a new key, the old one forgotten"]
    refused = sign_in_with_code(client, candidate.email, PASSWORD, clock.code(done.secret))
    assert refused.status_code == 422
    assert enter_code(client, done.codes[0]).headers["Location"] == "/"


def test_a_password_changed_meanwhile_voids_a_sign_in_waiting_for_its_code(client, candidate, clock, app):
    _with_app(client, candidate, clock)
    login(client, candidate.email, follow=False)
    with app.app_context():
        change_password(
            db.session.get(User, candidate.id),
            current=PASSWORD,
            new="a brand new passphrase here",
            keep_raw=None,
        )
        db.session.commit()
    assert client.get("/login/code").headers["Location"] == "/login"
