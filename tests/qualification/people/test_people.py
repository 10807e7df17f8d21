"""The cohort's people page: for every candidate, when they were invited, when they joined and when they were
last active; the course leader sends a fresh invitation link or withdraws an invitation."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from core.accounts.models import Invitation, User
from core.audit.models import AuditEvent
from core.extensions import db
from core.mail.models import OutboxMessage
from core.web.formatting import format_datetime
from modules.study.models import ModuleEnrolment
from portfolio.evidence.models import EvidenceItem, EvidenceVersion
from qualification.cohorts.models import AssessorAllocation, CohortMember
from tests.support.cohorts import accept_invitation, create_cohort, invite, text_of
from tests.support.evidence import add_evidence
from tests.support.html import page_text, press
from tests.support.mail import emailed_links

NIA, RAJ = "nia@vale.example", "raj@vale.example"
_LINK = re.compile(r"http://waymark\.test(/invitations/[A-Za-z0-9_-]+)")


def _row(response, name: str) -> str:
    """The text of the person's row on the people page."""
    body = response.get_data(as_text=True)
    row = re.search(rf"<tr id=\"person-\d+\">\s*<td>{re.escape(name)}</td>.*?</tr>", body, re.S)
    assert row, f"no row for {name}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(0))).strip()


def _invitations(app, email: str) -> list[Invitation]:
    with app.app_context():
        return list(
            db.session.scalars(select(Invitation).where(Invitation.email == email).order_by(Invitation.id))
        )


def _member_ids(app, cohort_id: int) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id))
        )


def test_people_page_shows_invited_joined_and_last_active_for_every_candidate(app, client, leader):
    cohort_id = create_cohort(client)
    invite(client, cohort_id, "Nia Okafor", NIA, "Vale School")
    invite(client, cohort_id, "Raj Mehta", RAJ, "Vale School")
    nia = accept_invitation(app, NIA, "Nia Okafor")
    add_evidence(nia, title="Careers fair plan")

    page = client.get(f"/cohorts/{cohort_id}/people")
    assert page.status_code == 200
    with app.app_context():
        sent = {i.email: i for i in db.session.scalars(select(Invitation))}
        nia_id = db.session.scalar(select(User.id).where(User.email == NIA))
        latest = db.session.scalar(
            select(func.max(EvidenceVersion.created_at))
            .join(EvidenceItem, EvidenceItem.id == EvidenceVersion.item_id)
            .where(EvidenceItem.candidate_id == nia_id)
        )
    nia_row, raj_row = _row(page, "Nia Okafor"), _row(page, "Raj Mehta")
    assert format_datetime(sent[NIA].created_at) in nia_row
    assert format_datetime(sent[NIA].used_at) in nia_row
    assert format_datetime(latest) in nia_row
    assert "Accepted" in nia_row
    assert format_datetime(sent[RAJ].created_at) in raj_row
    assert "Not yet" in raj_row
    assert "Never" in raj_row
    assert f"Link works until {format_datetime(sent[RAJ].expires_at)}" in raj_row
    # The cohort page leads there.
    assert "People : when each candidate was invited and joined" in page_text(
        client.get(f"/cohorts/{cohort_id}")
    )


def test_course_leader_sends_a_fresh_link_and_the_old_one_stops_working(app, client, leader):
    cohort_id = create_cohort(client)
    invite(client, cohort_id, "Raj Mehta", RAJ)
    (first,) = emailed_links(app, RAJ, _LINK)
    shown = page_text(
        press(client, client.get(f"/cohorts/{cohort_id}/people"), "Send a new link to Raj Mehta")
    )
    assert f"A new invitation is on its way to {RAJ}. Any earlier link no longer works." in shown
    links = emailed_links(app, RAJ, _LINK)
    assert len(links) == 2
    assert links[0] == first
    old = app.test_client().get(first)
    assert "This invitation was replaced by a newer one" in text_of(old)
    accept_invitation(app, RAJ, "Raj Mehta")  # the newest link works
    rows = _invitations(app, RAJ)
    assert [i.revoked_at is not None for i in rows] == [True, False]
    assert rows[1].used_at is not None


def test_course_leader_withdraws_an_invitation_and_the_candidate_leaves_the_cohort(app, client, leader):
    cohort_id = create_cohort(client)
    invite(client, cohort_id, "Raj Mehta", RAJ)
    with app.app_context():
        raj = db.session.scalar(select(User).where(User.email == RAJ))
        raj_id = raj.id
    page = client.get(f"/cohorts/{cohort_id}/people")
    shown = page_text(press(client, page, "Withdraw invitation of Raj Mehta"))
    assert (
        "Raj Mehta's invitation is withdrawn and they are no longer in Certificate 2027, Northmoor." in shown
    )
    assert raj_id not in _member_ids(app, cohort_id)
    (link,) = emailed_links(app, RAJ, _LINK)
    assert "This invitation was withdrawn. Ask your course leader" in text_of(app.test_client().get(link))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssessorAllocation)) == 0
        statuses = set(
            db.session.scalars(select(ModuleEnrolment.status).where(ModuleEnrolment.candidate_id == raj_id))
        )
        assert statuses <= {"withdrawn"}
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "cohort_invitation_withdrawn")
        )
        assert json.loads(event.details_json)["link_stopped"] is True


def test_a_candidate_in_another_cohort_keeps_their_link_when_withdrawn_from_one(app, client, leader):
    first = create_cohort(client)
    second = create_cohort(client, name="PG Certificate 2027", offer_code="award:PGCERT")
    invite(client, first, "Raj Mehta", RAJ)
    invite(client, second, "Raj Mehta", RAJ)
    shown = page_text(
        press(client, client.get(f"/cohorts/{first}/people"), "Withdraw invitation of Raj Mehta")
    )
    assert "Their invitation link still works, because they are also in PG Certificate 2027." in shown
    accept_invitation(app, RAJ, "Raj Mehta")


def test_course_leader_cannot_resend_or_withdraw_for_someone_who_has_joined(app, client, leader):
    cohort_id = create_cohort(client)
    invite(client, cohort_id, "Nia Okafor", NIA)
    page = client.get(f"/cohorts/{cohort_id}/people")  # opened before Nia joins
    accept_invitation(app, NIA, "Nia Okafor")
    outbox_before = _outbox(app)
    members_before = _member_ids(app, cohort_id)
    shown = page_text(press(client, page, "Send a new link to Nia Okafor"))
    assert "Nia Okafor has already joined: they sign in with their own password." in shown
    shown = page_text(press(client, page, "Withdraw invitation of Nia Okafor"))
    assert "Nia Okafor has already joined, so there is no invitation to withdraw" in shown
    assert _outbox(app) == outbox_before
    assert _member_ids(app, cohort_id) == members_before
    # The page no longer offers either.
    assert "Send a new link" not in page_text(client.get(f"/cohorts/{cohort_id}/people"))


def test_invitations_of_someone_outside_the_cohort_cannot_be_touched(app, client, leader):
    cohort_id = create_cohort(client)
    other = create_cohort(client, name="Elsewhere 2027")
    invite(client, other, "Raj Mehta", RAJ)
    with app.app_context():
        raj_id = db.session.scalar(select(User.id).where(User.email == RAJ))
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/account").get_data(as_text=True)
    )[1]
    outbox_before = _outbox(app)
    for action in ("resend", "withdraw"):
        response = client.post(
            f"/cohorts/{cohort_id}/people/{raj_id}/{action}",
            data={"csrf_token": token},
            follow_redirects=True,
        )
        assert "That person is not a candidate of this cohort. Reload the page." in page_text(response)
    assert _outbox(app) == outbox_before
    assert raj_id in _member_ids(app, other)
    assert all(i.revoked_at is None for i in _invitations(app, RAJ))


def test_only_course_leaders_see_the_people_page(app, client, leader):
    cohort_id = create_cohort(client)
    invite(client, cohort_id, "Nia Okafor", NIA)
    nia = accept_invitation(app, NIA, "Nia Okafor")
    assert nia.get(f"/cohorts/{cohort_id}/people").status_code == 403


def _outbox(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_the_people_page_runs_a_fixed_number_of_statements(app, client, leader):
    from tests.support.queries import statements_for

    cohort_id = create_cohort(client)
    invite(client, cohort_id, "Nia Okafor", NIA)
    accept_invitation(app, NIA, "Nia Okafor")
    small = statements_for(app, client, f"/cohorts/{cohort_id}/people")
    for n in range(6):
        invite(client, cohort_id, f"Extra {n}", f"extra{n}@vale.example")
    large = statements_for(app, client, f"/cohorts/{cohort_id}/people")
    assert small == large
    assert large <= 10, large
