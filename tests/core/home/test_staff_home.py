"""The home pages of the assessor, the IQA and the external examiner tell the truth: every number is counted
from the rows the real services wrote, and the empty message shows only when the count is zero."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assessors.examiner.services import grant_examiner_access, revoke_examiner_access
from assessors.marking.models import Assessment, MarkingStatus
from assessors.quality.models import ExaminerAccess
from assessors.queue.queries.page import assessor_cohorts, queue_counts
from assessors.queue.rules import today_uk
from core.db.timeutil import uk_today
from core.extensions import db
from qualification.cohorts.models import Cohort
from tests.support.html import page_text, signed_in
from tests.support.marking import load_marking_demo
from tests.support.people import CHRIS, EXAMINER, HELEN, JO, LEADER, MORGAN, SAM, TOM, person, user_id
from tests.support.quality import judge, submit
from tests.support.queue import add_waiting, rows_of


@pytest.fixture
def demo(app):
    load_marking_demo(app, sampling=True)  # the demo's plan: referrals are always sampled
    return app


def _decisions(app, status, **where) -> int:
    with app.app_context():
        query = select(func.count(Assessment.id)).where(Assessment.status == status)
        for name, value in where.items():
            query = query.where(getattr(Assessment, name) == value)
        return db.session.scalar(query)


def test_iqa_home_counts_decisions_waiting_for_review_and_those_they_could_sample(demo):
    app = demo
    sam = signed_in(app, SAM)
    home = page_text(sam.get("/"))
    assert _decisions(app, MarkingStatus.IN_IQA_REVIEW) == 0
    assert "No decisions are waiting for your review." in home
    assert "No completed decisions are waiting to be released unsampled." in home

    # A referral (always sampled) and an achieved first decision (sampled by the plan's first decisions, or
    # left unsampled): whatever the plan did, the page says what the rows say.
    judge(app, TOM, submit(app, JO), decision="referred")
    judge(app, HELEN, submit(app, CHRIS), decision="achieved")
    judge(app, TOM, submit(app, MORGAN), decision="achieved")
    review = _decisions(app, MarkingStatus.IN_IQA_REVIEW)
    unsampled = _decisions(app, MarkingStatus.READY_FOR_RELEASE, sampled=False)
    assert review >= 1
    home = page_text(sam.get("/"))
    assert f"{review} {'decision waits' if review == 1 else 'decisions wait'} for your review" in home
    assert "No decisions are waiting for your review." not in home
    if unsampled:
        assert f"{unsampled} completed decision" in home
    else:
        assert "No completed decisions are waiting to be released unsampled." in home
    # The IQA's work list (its first table: waiting for review) has as many rows as the home page counts.
    work = sam.get("/assessors/iqa").get_data(as_text=True)
    assert work.split("<tbody>")[1].split("</tbody>")[0].count("<tr>") == review


def test_examiner_home_lists_the_samples_shared_and_until_when(demo):
    app = demo
    examiner = signed_in(app, EXAMINER)
    assert "No sample is shared with you at the moment." in page_text(examiner.get("/"))
    ends = uk_today() + timedelta(days=30)
    with app.test_request_context():
        cohort = db.session.scalar(select(Cohort).order_by(Cohort.id).limit(1))
        grant_examiner_access(
            person(LEADER),
            cohort,
            examiner_id=person(EXAMINER).id,
            candidate_ids=[person(JO).id, person(CHRIS).id],
            ends_on=ends,
            note="",
            today=uk_today(),
        )
        # An ended grant is not shared any more.
        grant_examiner_access(
            person(LEADER),
            cohort,
            examiner_id=person(EXAMINER).id,
            candidate_ids=[person(MORGAN).id],
            ends_on=uk_today(),
            note="",
            today=uk_today(),
        )
        db.session.commit()
        cohort_name = cohort.name
    home = page_text(examiner.get("/"))
    assert "2 samples are shared with you" in home
    assert f"{cohort_name}: 2 candidates, until the end of {ends:%-d %B %Y}" in home
    assert f"{cohort_name}: 1 candidate, until the end of {uk_today():%-d %B %Y}" in home
    assert "No sample is shared" not in home


def test_examiner_home_after_a_revoked_sample_says_nothing_is_shared(demo):
    app = demo
    with app.test_request_context():
        cohort = db.session.scalar(select(Cohort).order_by(Cohort.id).limit(1))
        access = grant_examiner_access(
            person(LEADER),
            cohort,
            examiner_id=person(EXAMINER).id,
            candidate_ids=[person(JO).id],
            ends_on=uk_today() + timedelta(days=5),
            note="",
            today=uk_today(),
        )
        db.session.commit()
        access_id = access.id
    examiner = signed_in(app, EXAMINER)
    assert "1 sample is shared with you" in page_text(examiner.get("/"))
    with app.test_request_context():
        revoke_examiner_access(person(LEADER), db.session.get(ExaminerAccess, access_id))
        db.session.commit()
    assert "No sample is shared with you at the moment." in page_text(examiner.get("/"))


def test_assessor_home_counts_waiting_overdue_and_to_plan_as_the_queue_rows(demo):
    app = demo
    add_waiting(app, submissions=2, days_ago=40)
    add_waiting(app, claims=1, days_ago=1)
    tom_id = user_id(app, TOM)
    with app.test_request_context():
        counts = queue_counts(tom_id, assessor_cohorts(tom_id), today_uk())
    assert counts.overdue == 2
    assert counts.to_plan > 0
    home = page_text(signed_in(app, TOM).get("/"))
    assert f"{counts.waiting} waiting in your queue" in home
    assert f"{counts.overdue} overdue" in home
    assert f"{counts.to_plan} modules need an observation planned" in home
    assert len(rows_of(signed_in(app, TOM).get("/assessors/queue?overdue=y"))) == counts.overdue
