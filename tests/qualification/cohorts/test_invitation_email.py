"""Invited into a cohort: the email (text and HTML) names the cohort and the qualification it studies."""

from __future__ import annotations

from sqlalchemy import select

from core.accounts.models import Role
from core.extensions import db
from core.mail.models import OutboxMessage
from tests.support.cohorts import create_cohort, invite
from tests.support.html import form_post, login
from tests.support.people import make_user

COHORT = "Certificate 2027, Northmoor"
# The award the cohort studies and the qualification's title, as the demo spec names them.
STUDIES = "Professional Certificate in Careers Coordination (Careers Coordinator Qualification)"


def _mail_to(app, email: str) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == email)))
        for message in found:
            db.session.expunge(message)
        return found


def test_an_invitation_names_the_cohort_and_the_qualification(app, client, leader):
    cohort_id = create_cohort(client, name=COHORT)
    invite(client, cohort_id, "Nia Okafor", "nia@hollins.example", "Hollins Park Academy")
    (mail,) = _mail_to(app, "nia@hollins.example")
    assert mail.category == "invitation"
    assert mail.subject == f"You are invited to join {COHORT} on Waymark"
    assert (
        f"Lee Leader has invited you to Waymark as candidate in the cohort {COHORT}, studying {STUDIES}."
        in mail.body_text
    )
    assert "http://waymark.test/invitations/" in mail.body_text
    assert f"in the cohort <strong>{COHORT}</strong>, studying <strong>{STUDIES}</strong>" in mail.body_html
    assert 'href="http://waymark.test/invitations/' in mail.body_html


def test_a_joined_person_given_the_candidate_role_is_told_which_cohort(app, client, leader):
    assessor = make_user(app, "ash@northmoor.example", name="Ash Assessor", roles=(Role.ASSESSOR,))
    cohort_id = create_cohort(client, name=COHORT)
    invite(client, cohort_id, assessor.name, assessor.email)
    (mail,) = _mail_to(app, assessor.email)
    assert mail.category == "role_granted"
    assert f"the candidate role in Waymark, in the cohort {COHORT}, studying {STUDIES}." in mail.body_text
    assert f"<strong>{COHORT}</strong>" in mail.body_html


def test_an_invitation_outside_a_cohort_names_none(app, client, admin):
    login(client, admin.email)
    form_post(
        client, "/people/invite", {"name": "Nia New", "email": "nia.new@school.example", "role": "assessor"}
    )
    (mail,) = _mail_to(app, "nia.new@school.example")
    assert mail.subject == "You are invited to Waymark"
    assert "Ada Admin has invited you to Waymark as assessor.\n" in mail.body_text
    assert "cohort" not in mail.body_text
