"""Withdrawing a candidate: the course leader withdraws them with a reason; their portfolio, results and audit
trail are kept and they can still read them, but every change they try (submit, upload, claim, book, post,
study) is refused with the reason, and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.extensions import db
from modules.study.models import ActivityCompletion
from portfolio.apl.models import AplClaim
from portfolio.evidence.models import EvidenceItem
from portfolio.submissions.models import Submission
from qualification.booking.models import SessionBooking
from qualification.demo import DEMO_COHORT
from qualification.forums.models import Thread
from tests.support.demo import activity_id, demo_ids
from tests.support.evidence import add_evidence, audit_rows, item_id, map_to
from tests.support.html import page_text, press, signed_in
from tests.support.marking import load_marking_demo, submit_m01
from tests.support.membership import (
    breaks,
    joined_days_ago,
    member_row,
    membership_url,
    start_break,
    today,
    withdraw,
)
from tests.support.people import JO, LEADER
from tests.support.submissions import press_submit

READ_ONLY = (
    "so your access there is read-only: you can read and download your portfolio, results and transcript"
)


@pytest.fixture
def demo(app):
    """The study demo; Jo has submitted M01 (it waits for Tom) and has a second item in her portfolio."""
    load_marking_demo(app)
    cohort, people = demo_ids(app)
    joined_days_ago(app, cohort)
    jo = signed_in(app, JO)
    submit_m01(app, jo)
    return app, cohort, people[JO], jo


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _refused(response) -> str:
    assert response.status_code == 403, response.status_code
    text = page_text(response)
    assert f"You are withdrawn from {DEMO_COHORT} since {today():%-d %B %Y}, {READ_ONLY}" in text
    return text


def test_course_leader_withdraws_a_candidate_with_a_reason(demo):
    app, cohort, jo_id, _ = demo
    leader = signed_in(app, LEADER)

    shown = page_text(withdraw(leader, cohort, jo_id, "Jo Patel", "Moved to a post abroad"))

    assert f"Jo Patel is withdrawn from {DEMO_COHORT}." in shown
    assert "Where they stand Withdrawn" in shown
    assert "Reason Moved to a post abroad" in shown
    waiting = _count(app, Submission, Submission.candidate_id == jo_id, Submission.status == "submitted")
    assert waiting == 1
    assert "Withdrawn: 1 submitted attempt and 0 prior learning claims were waiting for a decision." in shown
    assert "They have left the assessors' queues" in shown
    row = member_row(app, cohort, jo_id)
    assert (row["status"], row["left_reason"]) == ("withdrawn", "Moved to a post abroad")
    assert row["withdrawn_at"] is not None
    (audit,) = audit_rows(app, "candidate_withdrawn")
    assert (audit["candidate_id"], audit["reason"], audit["was"]) == (
        jo_id,
        "Moved to a post abroad",
        "active",
    )
    assert "Withdrawn" in page_text(leader.get(f"/cohorts/{cohort}"))
    # Nothing more to do on the page: no break, no move, no second withdrawal.
    again = leader.get(membership_url(cohort, jo_id)).get_data(as_text=True)
    assert "Start the break" not in again
    assert "Withdraw Jo Patel" not in again


def test_a_withdrawn_candidate_cannot_submit_and_nothing_changes(demo):
    app, cohort, jo_id, jo = demo
    add_evidence(jo, title="Parents' evening notes", anonymised="y")
    map_to(jo, item_id(app, "Parents' evening notes"), "CCQ/M02.1.1")
    page = jo.get("/portfolio/submissions/new/CCQ/M02")  # open in her browser before the withdrawal
    withdraw(signed_in(app, LEADER), cohort, jo_id, "Jo Patel")
    attempts, audit = _count(app, Submission), _count(app, AuditEvent)

    response = press_submit(jo, page, "M02", {"statement": "Please judge it."}, follow=False)

    _refused(response)
    assert _count(app, Submission) == attempts
    assert _count(app, AuditEvent) == audit


def test_a_withdrawn_candidate_cannot_add_evidence_book_post_or_study(demo):
    app, cohort, jo_id, jo = demo
    cohort_page = jo.get(f"/cohorts/{cohort}")
    forum_page = jo.get(f"/forums/cohort/{cohort}/general")
    withdraw(signed_in(app, LEADER), cohort, jo_id, "Jo Patel")
    items, bookings, threads = _count(app, EvidenceItem), _count(app, SessionBooking), _count(app, Thread)

    _refused(add_evidence(jo, title="After I left", anonymised="y", follow=False))
    _refused(press(jo, cohort_page, "Book a place", follow=False))
    _refused(press(jo, forum_page, "Start thread", {"title": "Hello", "body": "Still here"}, follow=False))
    lesson = activity_id(app, "M01", "Holding a needs conversation")
    study = jo.get(f"/study/CCQ/M01/{lesson}")
    _refused(press(jo, study, "Mark as done and continue", follow=False))

    assert (_count(app, EvidenceItem), _count(app, SessionBooking), _count(app, Thread)) == (
        items,
        bookings,
        threads,
    )
    assert _count(app, ActivityCompletion, ActivityCompletion.user_id == jo_id) == 0


def test_a_withdrawn_candidate_cannot_claim_prior_learning(demo):
    app, cohort, jo_id, jo = demo
    claim_page = jo.get(f"/portfolio/apl/new/{cohort}/M02")  # open before the withdrawal
    assert DEMO_COHORT in page_text(jo.get("/portfolio/apl/new"))
    withdraw(signed_in(app, LEADER), cohort, jo_id, "Jo Patel")

    changes = {
        "scope": "criteria",
        "criteria": ["M02.1.1"],
        "certificate_title": "Diploma",
        "awarding_body": "OCR",
    }
    _refused(press(jo, claim_page, "Send to my assessor", changes, follow=False))

    assert _count(app, AplClaim) == 0
    assert DEMO_COHORT not in page_text(jo.get("/portfolio/apl/new"))  # no longer offered


def test_a_withdrawn_candidate_can_still_read_their_portfolio_and_transcript(demo):
    app, cohort, jo_id, jo = demo
    withdraw(signed_in(app, LEADER), cohort, jo_id, "Jo Patel")
    assert jo.get("/portfolio/").status_code == 200
    assert "Referral write-up" in page_text(jo.get("/portfolio/"))
    assert jo.get("/transcript").status_code == 200
    with app.app_context():
        attempt = db.session.scalar(select(Submission.id).where(Submission.candidate_id == jo_id))
    assert jo.get(f"/portfolio/submissions/{attempt}").status_code == 200
    home = page_text(jo.get("/"))
    assert f"You are withdrawn from {DEMO_COHORT}, since {today():%-d %B %Y}." in home
    assert "you can read them and download them, but nothing can be submitted" in home


def test_withdrawing_needs_a_reason(demo):
    app, cohort, jo_id, _ = demo
    response = withdraw(signed_in(app, LEADER), cohort, jo_id, "Jo Patel", "  ")
    assert response.status_code == 422
    assert "Give the reason: it stays in the candidate's record." in page_text(response)
    assert member_row(app, cohort, jo_id)["status"] == "active"
    assert audit_rows(app, "candidate_withdrawn") == []


def test_withdrawing_a_candidate_on_a_break_ends_the_break(demo):
    app, cohort, jo_id, _ = demo
    leader = signed_in(app, LEADER)
    start_break(leader, cohort, jo_id, starts_on=today().isoformat())
    withdraw(leader, cohort, jo_id, "Jo Patel")
    assert member_row(app, cohort, jo_id)["status"] == "withdrawn"
    assert breaks(app, cohort, jo_id)[0][2] == today()
    (audit,) = audit_rows(app, "candidate_withdrawn")
    assert audit["was"] == "suspended"
