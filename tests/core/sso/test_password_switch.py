"""Password sign-in switched off for staff where single sign-on is on (WAYMARK_PASSWORD_SIGNIN_FOR_STAFF=0),
and a provider that cannot be reached. No provider needs to run: nobody here gets as far as one."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.accounts.models import LoginSession, Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.sso.rules import Provider
from tests.support.html import login, page_text, press
from tests.support.oidc import free_port
from tests.support.people import make_user

# Nothing listens here: the provider is "down".
UNREACHABLE = Provider(
    name="uni",
    label="Northmoor University",
    issuer=f"http://127.0.0.1:{free_port()}",
    client_id="waymark-uni",
)


@pytest.fixture
def sso_config():
    return {"WAYMARK_OIDC_PROVIDERS": (UNREACHABLE,), "WAYMARK_PASSWORD_SIGNIN_FOR_STAFF": False}


def _sessions(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(LoginSession)).all())


def test_staff_are_sent_to_single_sign_on_from_the_password_form(app, client):
    leader = make_user(app, "leader@northmoor.example", name="Priya", roles=(Role.COURSE_LEADER,))

    page = login(client, leader.email, follow=False)

    assert page.status_code == 403
    assert (
        "Staff accounts sign in with single sign-on here, not with a Waymark password. "
        "Use “Sign in with Northmoor University”."
    ) in page_text(page)
    assert client.get("/account").status_code == 302
    assert _sessions(app) == 0
    with app.app_context():
        row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_refused"))
        assert json.loads(row.details_json) == {"reason": "password sign-in is off for staff"}


def test_a_candidate_who_is_also_staff_counts_as_staff(app, client):
    both = make_user(app, "both@school.example", name="Bo", roles=(Role.CANDIDATE, Role.ASSESSOR))

    assert login(client, both.email, follow=False).status_code == 403


def test_candidates_keep_their_passwords(app, client, candidate):
    assert "Hello" in page_text(login(client, candidate.email))
    assert _sessions(app) == 1


def test_a_wrong_password_reads_the_same_for_staff(app, client):
    # The switch is checked only after the password: the form tells nobody which addresses are staff's.
    leader = make_user(app, "leader@northmoor.example", name="Priya", roles=(Role.COURSE_LEADER,))

    page = login(client, leader.email, "not the password", follow=False)

    assert page.status_code == 200
    assert "The email address or password is not right." in page_text(page)


def test_the_sign_in_page_says_who_uses_passwords(client):
    text = page_text(client.get("/login"))
    assert "Waymark passwords are for candidates. Staff sign in with their organisation" in text


def test_a_provider_that_cannot_be_reached_is_a_message_not_an_error(app, client):
    page = press(client, client.get("/login"), "Sign in with Northmoor University")

    assert page.status_code == 200
    assert page.request.path == "/login"
    assert "Northmoor University could not be reached just now, so you have not been signed in." in page_text(
        page
    )
    with app.app_context():
        row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sso_refused"))
        assert json.loads(row.details_json)["reason"] == "provider unreachable"
