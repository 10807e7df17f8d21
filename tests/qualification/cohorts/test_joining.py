"""A candidate who joins a cohort after it was set up gets an assessor by the cohort's allocation rule, chosen
by the course leader: even spread (the assessor with the fewest candidates, ties by name) or manual."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from qualification.cohorts.models import AssessorAllocation, Cohort
from tests.support.cohorts import accept_invitation, create_cohort, invite, join_cohort, options, text_of
from tests.support.cohorts import add_staff as add_staff_on_page
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.html import page_text, press, signed_in
from tests.support.people import HELEN, LEADER, TOM, make_user

demo = demo_fixture(load_study_demo)


def _demo_cohort(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Cohort.id))


def _assessor_of(app, cohort_id: int, email: str) -> str | None:
    with app.app_context():
        row = db.session.scalar(
            select(AssessorAllocation).where(
                AssessorAllocation.cohort_id == cohort_id, AssessorAllocation.candidate.has(email=email)
            )
        )
        return row.assessor.email if row else None


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        return list(db.session.scalars(query))


def _row_of(page: str, name: str) -> str:
    return page[page.index(f"<td>{name}</td>") :].split("</tr>")[0]


def test_candidate_invited_after_setup_is_allocated_by_even_spread(demo):
    leader, cohort_id = signed_in(demo, LEADER), _demo_cohort(demo)
    page = text_of(leader.get(f"/cohorts/{cohort_id}"))
    assert "Even spread: the assessor with the fewest candidates gets the next one" in page
    allocated_before = len(_audit(demo, "assessor_allocated"))

    # Tom has Jo and Morgan, Helen has Chris: Helen has the fewest.
    flash, nia = join_cohort(demo, leader, cohort_id, "Nia Okafor", "nia@vale.example")
    assert "Nia Okafor is in the cohort. Their assessor is Helen Marsh." in flash
    assert "<td>Helen Marsh</td>" in _row_of(flash, "Nia Okafor")
    assert _assessor_of(demo, cohort_id, "nia@vale.example") == HELEN

    # Two each now: a tie, which goes by name (Helen Marsh before Tom Okafor, though Tom was added first).
    flash, _ = join_cohort(demo, leader, cohort_id, "Ola Ade", "ola@vale.example")
    assert "Ola Ade is in the cohort. Their assessor is Helen Marsh." in flash
    flash, _ = join_cohort(demo, leader, cohort_id, "Pat Quinn", "pat@vale.example")
    assert "Pat Quinn is in the cohort. Their assessor is Tom Okafor." in flash
    assert _assessor_of(demo, cohort_id, "pat@vale.example") == TOM

    events = _audit(demo, "assessor_allocated")[allocated_before:]
    assert len(events) == 3
    assert {(e.actor_label, e.object_id) for e in events} == {(LEADER, str(cohort_id))}
    assert [json.loads(e.details_json)["rule"] for e in events] == ["even"] * 3
    # Accepting the invitation later kept the allocation made when they joined the cohort.
    assert "Nia Okafor" in page_text(nia.get("/"))
    with demo.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AssessorAllocation)) == 6


def test_candidate_invited_before_any_assessor_is_allocated_when_they_accept(app, client, leader):
    make_user(app, "asa@uni.example", name="Asa Assessor", roles=(Role.ASSESSOR,))
    cohort_id = create_cohort(client)
    assert "Even spread" in text_of(client.get(f"/cohorts/{cohort_id}"))
    # Invited while the cohort has no assessor: nobody to allocate to, and the leader is told so.
    shown = text_of(invite(client, cohort_id, "Nia Okafor", "nia@vale.example"))
    assert "Nia Okafor is in the cohort. They have no assessor yet" in shown
    assert _assessor_of(app, cohort_id, "nia@vale.example") is None
    add_staff_on_page(client, cohort_id, "asa@uni.example")

    # Nia accepts the invitation: joining allocates her by the rule, in the same transaction.
    accept_invitation(app, "nia@vale.example", "Nia Okafor")
    assert _assessor_of(app, cohort_id, "nia@vale.example") == "asa@uni.example"
    assert "<td>Asa Assessor</td>" in _row_of(text_of(client.get(f"/cohorts/{cohort_id}")), "Nia Okafor")
    (event,) = _audit(app, "assessor_allocated")
    assert event.actor_id is None  # the cohort's rule acted, not the candidate
    assert json.loads(event.details_json)["rule"] == "even"


def test_course_leader_can_choose_manual_allocation(demo):
    leader, cohort_id = signed_in(demo, LEADER), _demo_cohort(demo)
    page = leader.get(f"/cohorts/{cohort_id}")
    shown = page_text(press(leader, page, "Save the rule", {"rule": "manual"}))
    assert "Candidates who join now get an assessor by this rule: Manual" in shown
    assert "Manual: the course leader allocates each candidate" in shown
    with demo.app_context():
        assert db.session.get(Cohort, cohort_id).allocation_rule == "manual"
    (event,) = _audit(demo, "cohort_allocation_rule_set")
    assert json.loads(event.details_json) == {"before": "even", "after": "manual"}

    flash, _ = join_cohort(demo, leader, cohort_id, "Nia Okafor", "nia@vale.example")
    assert "Nia Okafor is in the cohort. They have no assessor yet" in flash
    assert "<td>Not allocated</td>" in _row_of(flash, "Nia Okafor")
    assert _assessor_of(demo, cohort_id, "nia@vale.example") is None

    # The leader can still allocate by hand, and change it.
    page = leader.get(f"/cohorts/{cohort_id}")
    people = options(page.get_data(as_text=True), "candidate") | options(
        page.get_data(as_text=True), "assessor"
    )
    press(leader, page, "Allocate", {"candidate": people["Nia Okafor"], "assessor": people["Tom Okafor"]})
    assert _assessor_of(demo, cohort_id, "nia@vale.example") == TOM


@pytest.mark.parametrize("rule", ["random", ""])
def test_course_leader_cannot_choose_an_unknown_rule(demo, rule):
    leader, cohort_id = signed_in(demo, LEADER), _demo_cohort(demo)
    response = press(
        leader, leader.get(f"/cohorts/{cohort_id}"), "Save the rule", {"rule": rule}, follow=False
    )
    assert response.status_code == 422
    assert "Not a valid choice" in page_text(response) or "Choose how candidates" in page_text(response)
    with demo.app_context():
        assert db.session.get(Cohort, cohort_id).allocation_rule == "even"
    assert _audit(demo, "cohort_allocation_rule_set") == []
