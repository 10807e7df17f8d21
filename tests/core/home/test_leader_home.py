"""The course leader's home page, per cohort they lead: work nobody is allocated to judge, overdue marking,
sessions this week and candidates with no activity for 21 days. Every count is checked against counts made
here from the rows, in a state where each is zero and in one where each is not."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

from sqlalchemy import select, update

from assessors.queue.queries.leader import unallocated_counts
from assessors.queue.rules import start_of_uk_day, today_uk
from core.db.timeutil import UK
from core.extensions import db
from modules.catalogue.models import AssessmentCriterion, AssessmentMethod, CriterionMethod, LearningOutcome
from modules.study.models import ActivityCompletion, ModuleEnrolment, StudyLog
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.apl.services import draft_claim, submit_claim
from portfolio.evidence.models import EvidenceItem, EvidenceVersion
from portfolio.submissions.models import Submission, SubmissionStatus
from qualification.calendar.services import add_session, cancel_session
from qualification.cohorts.models import (
    AllocationRule,
    AssessorAllocation,
    Cohort,
    CohortMember,
    CohortSession,
    SessionKind,
)
from qualification.cohorts.services import invite_candidate, set_allocation_rule
from tests.support.deadlines import ask, decide, extensions, in_days, leader_sets
from tests.support.demo import demo_fixture, demo_ids
from tests.support.html import page_text, press, signed_in
from tests.support.marking import load_marking_demo
from tests.support.people import CHRIS, JO, LEADER, MORGAN, person
from tests.support.quality import submit

NEW = "new.candidate@school.example"  # invited into the cohort, no assessor allocated


demo = demo_fixture(load_marking_demo)


def _week() -> tuple[datetime, datetime]:
    monday = today_uk() - timedelta(days=today_uk().weekday())
    return start_of_uk_day(monday), start_of_uk_day(monday + timedelta(days=7))


def expected(app) -> dict:
    """The leader panel's numbers for the demo cohort, counted here from the rows."""
    with app.app_context():
        cohort = db.session.scalar(select(Cohort).order_by(Cohort.id).limit(1))
        allocated = set(
            db.session.scalars(
                select(AssessorAllocation.candidate_id).where(AssessorAllocation.cohort_id == cohort.id)
            )
        )
        submissions = db.session.scalars(
            select(Submission).where(
                Submission.cohort_id == cohort.id, Submission.status == SubmissionStatus.SUBMITTED
            )
        ).all()
        claims = db.session.scalars(
            select(AplClaim).where(AplClaim.cohort_id == cohort.id, AplClaim.status == AplStatus.SUBMITTED)
        ).all()
        observable = set(
            db.session.scalars(
                select(LearningOutcome.module_id)
                .join(AssessmentCriterion, AssessmentCriterion.outcome_id == LearningOutcome.id)
                .join(CriterionMethod, CriterionMethod.criterion_id == AssessmentCriterion.id)
                .where(CriterionMethod.method == AssessmentMethod.OBSERVATION)
            )
        )
        enrolments = db.session.scalars(
            select(ModuleEnrolment).where(
                ModuleEnrolment.cohort_id == cohort.id, ModuleEnrolment.status == "active"
            )
        ).all()
        # 15 working days back from today: overdue when submitted before that day began (UK time).
        day, left = today_uk(), cohort.turnaround_days
        while left >= 0:
            left -= day.weekday() < 5
            if left >= 0:
                day -= timedelta(days=1)
        cutoff = start_of_uk_day(day)
        start, end = _week()
        sessions = db.session.scalars(select(CohortSession).where(CohortSession.cohort_id == cohort.id)).all()
        since = datetime.now(UTC) - timedelta(days=21)
        candidates = db.session.scalars(
            select(CohortMember).where(CohortMember.cohort_id == cohort.id, CohortMember.role == "candidate")
        ).all()
        active = {
            *db.session.scalars(select(Submission.candidate_id).where(Submission.submitted_at >= since)),
            *db.session.scalars(select(AplClaim.candidate_id).where(AplClaim.created_at >= since)),
            *db.session.scalars(
                select(ActivityCompletion.user_id).where(ActivityCompletion.completed_at >= since)
            ),
            *db.session.scalars(select(StudyLog.user_id).where(StudyLog.logged_at >= since)),
            *db.session.scalars(
                select(EvidenceItem.candidate_id)
                .join(EvidenceVersion, EvidenceVersion.item_id == EvidenceItem.id)
                .where(EvidenceVersion.created_at >= since)
            ),
        }
        return {
            "cohort": cohort.name,
            "attempts": sum(1 for s in submissions if s.candidate_id not in allocated),
            "claims": sum(1 for c in claims if c.candidate_id not in allocated),
            "to_plan": sum(
                1 for e in enrolments if e.candidate_id not in allocated and e.module_id in observable
            ),
            "overdue": sum(1 for s in submissions if s.submitted_at < cutoff)
            + sum(1 for c in claims if c.submitted_at < cutoff),
            "sessions": sum(1 for s in sessions if start <= s.starts_at < end and not s.is_cancelled),
            "inactive": sum(1 for m in candidates if m.added_at < since and m.user_id not in active),
        }


def test_leader_home_with_nothing_needing_them_says_so(demo):
    app = demo
    want = expected(app)
    assert want["attempts"] == want["claims"] == want["to_plan"] == 0
    assert want["overdue"] == want["inactive"] == 0
    home = page_text(signed_in(app, LEADER).get("/"))
    assert want["cohort"] in home
    assert "All work has an assessor allocated." in home
    assert "No marking is overdue." in home
    assert "Every candidate has been active in the last 21 days." in home
    sessions = want["sessions"]
    assert ("No sessions this week." if sessions == 0 else f"{sessions} session") in home


def test_leader_home_counts_each_kind_of_work_as_the_rows(demo):
    app = demo
    with app.test_request_context():
        leader = person(LEADER)
        cohort = db.session.scalar(select(Cohort).order_by(Cohort.id).limit(1))
        # The leader allocates by hand in this cohort, so the new candidate's work waits with nobody.
        set_allocation_rule(leader, cohort, rule=AllocationRule.MANUAL)
        invite_candidate(leader, cohort, name="Nia New", email=NEW, school="Hollins Park Academy")
        start = datetime.combine(today_uk() - timedelta(days=today_uk().weekday()), time(12, 0), tzinfo=UK)
        add_session(
            leader,
            cohort,
            kind=SessionKind.ONLINE_LIVE,
            title="Midweek catch-up",
            starts_at=start.astimezone(UTC),
            ends_at=(start + timedelta(hours=1)).astimezone(UTC),
            place=None,
            link="https://meet.example/catch-up",
            capacity=None,
            module_codes=[],
        )
        db.session.commit()
        cohort_id = cohort.id
    # The new candidate, with no assessor, submits M01 and claims M02 by prior learning.
    submit(app, NEW)
    with app.test_request_context():
        new = person(NEW)
        claim = draft_claim(
            new,
            cohort_id=cohort_id,
            module_code="M02",
            scope="module",
            awarding_body="OCR",
            certificate_title="Diploma",
            certificate_level=6,
            certificate_credits=15,
            awarded_on=date(2024, 7, 1),
        )
        submit_claim(new, claim)
        db.session.commit()
    # Jo submits M01; then time passes (rows moved back, as a clock would): the attempt waits 40 days, and the
    # candidates joined 30 days ago. Jo and the new candidate did something since; Chris and Morgan did not.
    jo_attempt = submit(app, JO)
    with app.app_context():
        db.session.execute(
            update(Submission)
            .where(Submission.id == jo_attempt)
            .values(submitted_at=datetime.now(UTC) - timedelta(days=40))
        )
        db.session.execute(
            update(CohortMember)
            .where(CohortMember.cohort_id == cohort_id)
            .values(added_at=datetime.now(UTC) - timedelta(days=30))
        )
        db.session.commit()
    # Jo logs tonight's study time on the planner (her evidence for M01 is recent activity too).
    jo = signed_in(app, JO)
    press(
        jo,
        jo.get("/study/planner"),
        "Log study time",
        {"minutes": "30", "studied_on": today_uk().isoformat()},
    )

    want = expected(app)
    for key in ("attempts", "claims", "to_plan", "overdue", "sessions", "inactive"):
        assert want[key] > 0, key
    with app.app_context():
        counted = unallocated_counts([cohort_id])[cohort_id]
    assert (counted.attempts, counted.claims, counted.to_plan) == (
        want["attempts"],
        want["claims"],
        want["to_plan"],
    )
    home = page_text(signed_in(app, LEADER).get("/"))
    unallocated = want["attempts"] + want["claims"] + want["to_plan"]
    assert f"{unallocated} pieces of work with no assessor allocated" in home
    # The same number as the rows of the cohort's Unallocated queue the line links to.
    queue = signed_in(app, LEADER).get(f"/assessors/cohorts/{cohort_id}/unallocated").get_data(as_text=True)
    assert queue.count('<tr id="unallocated-') == unallocated
    assert (
        f"{want['attempts']} submitted attempt{'s' if want['attempts'] != 1 else ''}, "
        f"{want['claims']} APL claim{'s' if want['claims'] != 1 else ''}, "
        f"{want['to_plan']} observation{'s' if want['to_plan'] != 1 else ''} to plan"
    ) in home
    assert f"{want['overdue']} overdue" in home
    assert f"{want['sessions']} session{'s' if want['sessions'] != 1 else ''} this week" in home
    inactive = want["inactive"]
    assert f"{inactive} {'candidate has' if inactive == 1 else 'candidates have'} had no activity" in home


def test_a_cancelled_session_is_not_one_of_the_sessions_this_week(demo):
    app = demo
    start, _ = _week()
    with app.test_request_context():
        leader = person(LEADER)
        cohort = db.session.scalar(select(Cohort).order_by(Cohort.id).limit(1))
        this_week = [
            add_session(
                leader,
                cohort,
                kind=SessionKind.ONLINE_LIVE,
                title=title,
                starts_at=start + timedelta(hours=12 + n),
                ends_at=start + timedelta(hours=13 + n),
                place=None,
                link="https://meet.example/catch-up",
                capacity=None,
                module_codes=[],
            )
            for n, title in enumerate(("Kept catch-up", "Cancelled catch-up"))
        ]
        cancel_session(leader, this_week[1], reason="Clashes with parents' evening.")
        db.session.commit()
    sessions = expected(app)["sessions"]
    assert sessions >= 1
    home = page_text(signed_in(app, LEADER).get("/"))
    assert f"{sessions} {'session' if sessions == 1 else 'sessions'} this week" in home


def test_leader_home_shows_the_extension_requests_waiting_for_a_decision(demo):
    app = demo
    cohort_id, ids = demo_ids(app)
    cohort = SimpleNamespace(cohort_id=cohort_id, ids=ids, url=f"/cohorts/{cohort_id}/deadlines")
    leader = signed_in(app, LEADER)
    assert "No extension requests are waiting." in page_text(leader.get("/"))
    deadline = leader_sets(app, cohort, "M03")
    for who in (CHRIS, MORGAN):
        ask(signed_in(app, who), cohort, deadline, in_days(40), "Ofsted inspection that week")
    waiting = [e for e in extensions(app) if e.status == "requested"]
    assert len(waiting) == 2

    home = leader.get("/")

    assert "2 extension requests waiting for a decision" in page_text(home)
    link = f'href="/cohorts/{cohort_id}/deadlines"><strong>2 extension requests'
    assert link in home.get_data(as_text=True)
    # Once one is decided, one waits.
    decide(leader, cohort, waiting[0].id, "Refuse the request", {"reason": "The work is nearly done."})
    assert "1 extension request waiting for a decision" in page_text(leader.get("/"))
