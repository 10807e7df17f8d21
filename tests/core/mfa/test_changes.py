"""Turning multi-factor sign-in off, new recovery codes, and an administrator's reset: each needs proof,
each is audited and emailed."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from core.accounts.models import LoginSession, Role
from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.extensions import db
from core.mail.models import OutboxMessage
from core.mfa.models import RecoveryCode, TotpSecret
from tests.support.html import form_post, login, logout, page_text
from tests.support.mfa import codes_on, enter_code, set_up_app, sign_in_with_code
from tests.support.people import PASSWORD


def _last(app, action: str) -> AuditEvent | None:
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc()).limit(1)
        )
        if event is not None:
            db.session.expunge(event)
        return event


def _mail(app, email: str) -> OutboxMessage:
    with app.app_context():
        message = db.session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == email)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        db.session.expunge(message)
        return message


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _signed_in_with_app(client, person, clock):
    login(client, person.email)
    done = set_up_app(client, clock)
    clock.tick()
    return done


def _confirm(client, url: str, password: str, code: str):
    return form_post(client, url, {"password": password, "code": code})


def test_candidate_cannot_turn_it_off_without_the_password(client, candidate, clock, app):
    done = _signed_in_with_app(client, candidate, clock)
    response = _confirm(client, "/account/mfa/off", "not my password at all", clock.code(done.secret))
    assert response.status_code == 422
    assert "That is not your password" in page_text(response)
    assert _count(app, TotpSecret) == 1
    assert _last(app, "mfa_failed") is not None


def test_candidate_cannot_turn_it_off_without_a_code(client, candidate, clock, app):
    done = _signed_in_with_app(client, candidate, clock)
    wrong = "000000" if clock.code(done.secret) != "000000" else "111111"
    response = _confirm(client, "/account/mfa/off", PASSWORD, wrong)
    assert response.status_code == 422
    assert "That code is not right" in page_text(response)
    assert _count(app, TotpSecret) == 1


def test_candidate_can_turn_it_off_with_password_and_code(client, candidate, clock, app):
    done = _signed_in_with_app(client, candidate, clock)
    assert "Turn off multi-factor sign-in" in page_text(client.get("/account/mfa"))
    response = _confirm(client, "/account/mfa/off", PASSWORD, clock.code(done.secret))
    assert response.headers["Location"] == "/account/mfa"
    assert "Multi-factor sign-in is off" in page_text(client.get("/account/mfa"))
    assert _count(app, TotpSecret) == 0
    assert _count(app, RecoveryCode) == 0
    assert details_of(_last(app, "mfa_disabled")) == {"confirmed_with": "app"}
    mail = _mail(app, candidate.email)
    assert mail.subject == "Multi-factor sign-in is off for your Waymark account"
    assert "If this was not you, change your password" in mail.body_text
    # The password alone signs in again.
    logout(client)
    assert login(client, candidate.email, follow=False).headers["Location"] == "/"


def test_candidate_can_turn_it_off_with_a_recovery_code(client, candidate, clock, app):
    done = _signed_in_with_app(client, candidate, clock)
    response = _confirm(client, "/account/mfa/off", PASSWORD, done.codes[0])
    assert response.headers["Location"] == "/account/mfa"
    assert details_of(_last(app, "mfa_disabled")) == {"confirmed_with": "recovery"}


def test_nothing_to_turn_off_is_a_conflict(client, candidate):
    login(client, candidate.email)
    response = _confirm(client, "/account/mfa/off", PASSWORD, "123456")
    assert response.status_code == 409


def test_course_leader_who_turns_it_off_sets_it_up_again_at_once(
    client, course_leader, mfa_required, clock, app
):
    login(client, course_leader.email, follow=False)
    done = set_up_app(client, clock)
    clock.tick()
    text = page_text(client.get("/account/mfa/off"))
    assert "you will be asked to set it up again straight away" in text
    response = _confirm(client, "/account/mfa/off", PASSWORD, clock.code(done.secret))
    assert response.headers["Location"] == "/account/mfa"
    assert client.get("/account/mfa").headers["Location"] == "/account/mfa/setup"


def test_candidate_can_make_new_recovery_codes_and_the_old_ones_stop_working(client, candidate, clock, app):
    done = _signed_in_with_app(client, candidate, clock)
    page = client.get("/account/mfa/recovery-codes")
    assert "You have 10 left" in page_text(page)
    refused = _confirm(
        client, "/account/mfa/recovery-codes", "not my password at all", clock.code(done.secret)
    )
    assert refused.status_code == 422
    response = _confirm(client, "/account/mfa/recovery-codes", PASSWORD, clock.code(done.secret))
    new = codes_on(response)
    assert len(new) == 10
    assert not set(new) & set(done.codes)
    assert "the old ones no longer work" in page_text(response)
    assert _last(app, "mfa_recovery_codes_regenerated") is not None
    assert _mail(app, candidate.email).subject == "New recovery codes for your Waymark account"
    logout(client)
    old = sign_in_with_code(client, candidate.email, PASSWORD, done.codes[1])
    assert old.status_code == 422
    assert enter_code(client, new[1]).headers["Location"] == "/"


def _admin_page(app, client, admin, person):
    login(client, admin.email)
    return client.get(f"/admin/accounts/{person.id}")


def test_admin_can_reset_the_mfa_of_someone_who_lost_their_phone(client, candidate, admin, clock, app):
    person_client = app.test_client()
    _signed_in_with_app(person_client, candidate, clock)
    page = _admin_page(app, client, admin, candidate)
    assert "Reset multi-factor sign-in" in page_text(page)
    url = f"/admin/accounts/{candidate.id}/mfa/reset"
    refused = form_post(client, url, {"reason": ""})
    assert refused.status_code == 422
    assert "Say why you are resetting it" in page_text(refused)
    assert _count(app, TotpSecret) == 1
    reason = "Lost phone and codes; confirmed by a call to the school's number on file."
    response = form_post(client, url, {"reason": reason})
    assert response.headers["Location"] == f"/admin/accounts/{candidate.id}"
    assert "is reset and they are signed out everywhere" in page_text(
        client.get(response.headers["Location"])
    )
    assert _count(app, TotpSecret) == 0
    assert _count(app, RecoveryCode) == 0
    event = _last(app, "mfa_reset")
    assert event.actor_id == admin.id
    assert event.actor_role == Role.ADMIN
    assert details_of(event)["reason"] == reason
    mail = _mail(app, candidate.email)
    assert mail.subject == "Your Waymark multi-factor sign-in was reset"
    assert reason in mail.body_text
    # Their browser was signed out, and the password alone signs them in again.
    assert person_client.get("/account").headers["Location"].startswith("/login")
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(LoginSession.id)).where(
                    LoginSession.user_id == candidate.id, LoginSession.revoked_at.is_(None)
                )
            )
            == 0
        )
    assert login(person_client, candidate.email, follow=False).headers["Location"] == "/"


def test_admin_cannot_reset_their_own(client, admin, clock):
    _signed_in_with_app(client, admin, clock)
    assert "Reset multi-factor sign-in" not in page_text(client.get(f"/admin/accounts/{admin.id}"))
    response = form_post(
        client, "/account/mfa", {"reason": "Mine"}, action=f"/admin/accounts/{admin.id}/mfa/reset"
    )
    assert response.status_code == 403


def test_course_leader_cannot_reset_anyone(client, course_leader, candidate, app):
    login(client, course_leader.email)
    assert client.get(f"/admin/accounts/{candidate.id}/mfa/reset").status_code == 403


def test_an_operator_can_reset_it_from_the_command_line(candidate, clock, app, runner):
    _signed_in_with_app(app.test_client(), candidate, clock)
    refused = runner.invoke(args=["mfa", "reset", candidate.email, "--reason", ""])
    assert refused.exit_code == 1
    result = runner.invoke(
        args=["mfa", "reset", candidate.email, "--reason", "Only admin locked out; ticket 4411"]
    )
    assert result.exit_code == 0, result.output
    assert "reset" in result.output
    assert _count(app, TotpSecret) == 0
    event = _last(app, "mfa_reset")
    assert event.actor_id is None
    assert details_of(event)["reason"] == "Only admin locked out; ticket 4411"


def test_every_change_is_emailed_with_when_and_from_where(client, candidate, clock, app):
    _signed_in_with_app(client, candidate, clock)
    mail = _mail(app, candidate.email)
    assert mail.subject == "Multi-factor sign-in is on for your Waymark account"
    assert re.search(r"When: \d{1,2} \w{3} \d{4}, \d\d:\d\d \(UK time\)", mail.body_text)
    assert "<h1>Multi-factor sign-in is on for your Waymark account</h1>" in mail.body_html
