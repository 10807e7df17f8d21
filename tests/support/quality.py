"""Shared by the IQA, sampling and examiner tests: the demo cohort, submissions made and judged through the
real services (as the candidate and the allocated assessor would), and a second cohort with its own IQA.

Demo people: Jo (candidate, allocated to Tom Okafor), Chris (allocated to Helen Marsh, an assessor who is also
an IQA of the cohort), Sam Whitfield (the cohort's IQA), the course leader, and the external examiner.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from assessors.decisions.services import release_decision, review_decision
from assessors.examiner.services import grant_examiner_access
from assessors.marking.models import VACS, Assessment
from assessors.marking.services import complete_marking, save_judgement, start_submission_marking
from core.accounts.models import Role, User
from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.db.timeutil import uk_today
from core.extensions import db
from portfolio.evidence.services import add_item
from portfolio.mapping.services import map_item
from portfolio.submissions.models import Submission
from portfolio.submissions.services import gaps_confirmation, submit_module
from qualification.cohorts.models import Cohort, MemberRole
from qualification.cohorts.services import add_staff
from tests.support.backing import account_refs, attest_the_rest
from tests.support.demo import another_certificate_cohort, load_study_demo
from tests.support.people import DEMO_PASSWORD, EXAMINER, LEADER, make_user, person

OTHER_IQA = "zqx.iqa@elsewhere.example"  # IQA of a second cohort only

# The labels of the buttons that release a decision to the candidate and send it back to the assessor.
RELEASE = "Release to the candidate"
REOPEN = "Reopen for the assessor"


def load_quality_demo(app) -> None:
    """The demo (people, qualification, cohort, content), plus a second cohort with an IQA of its own."""
    load_study_demo(app)
    make_user(app, OTHER_IQA, name="Olu Otheriqa", roles=(Role.IQA,), password=DEMO_PASSWORD)
    with app.app_context():
        leader = person(LEADER)
        other = another_certificate_cohort(leader, "Second intake")
        add_staff(leader, other, person(OTHER_IQA), MemberRole.IQA)
        db.session.commit()


def demo_cohort_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Cohort.id).order_by(Cohort.id).limit(1))


def submit(app, email: str, module: str = "M01", title: str = "Careers plan") -> int:
    """The candidate maps one account to every criterion of the module it can show and submits it; returns
    the id."""
    with app.test_request_context():
        candidate = person(email)
        item = add_item(
            candidate,
            kind="account",
            title=f"{title} for {module}",
            activity_date=date.today() - timedelta(days=3),  # noqa: DTZ011
            context_md="At my school.",
            body_md=f"The body of {title}.",
            anonymised=True,
        )
        for ref in account_refs(candidate.id, "CCQ", module):
            map_item(candidate, item, criterion_ref=ref, note="Shows the plan", family="CCQ")
        # The criteria an account cannot show stay empty: the candidate confirms them, as the review asks.
        confirmed = gaps_confirmation(candidate.id, "CCQ", module)
        submission = submit_module(candidate, family="CCQ", module_code=module, gaps_confirmed=confirmed)
        db.session.commit()
        return submission.id


def judge(app, assessor_email: str, submission_id: int, *, decision: str = "achieved") -> int:
    """The allocated assessor judges every criterion and completes the decision; returns the assessment id."""
    with app.test_request_context():
        assessor = person(assessor_email)
        assessment = start_submission_marking(assessor, db.session.get(Submission, submission_id))
        refs = [j.criterion_ref for j in assessment.judgements]
        referred = decision == "referred"
        save_judgement(
            assessor,
            assessment,
            expected_version=assessment.version,
            outcomes={ref: "not_yet_met" if referred and i == 0 else "met" for i, ref in enumerate(refs)},
            comments={ref: f"Comment on {ref}" for ref in refs},
            feedback_md="Clear evidence of planning.",
            action_md="Add a second example." if referred else "",
            vacs=dict.fromkeys(VACS, True),
            vacs_notes={},
            decision=decision,
        )
        # What an account cannot show is signed off or observed, so the criteria met are backed.
        candidate = db.session.get(User, assessment.candidate_id)
        attest_the_rest(assessor_email, candidate.email, assessment.module_code)
        complete_marking(assessor, assessment, expected_version=assessment.version)
        db.session.commit()
        return assessment.id


def start(app, assessor_email: str, submission_id: int) -> int:
    """The assessor starts marking the submission (nothing judged yet); returns the assessment id."""
    with app.test_request_context():
        assessment = start_submission_marking(
            person(assessor_email), db.session.get(Submission, submission_id)
        )
        db.session.commit()
        return assessment.id


def released_referral(
    app, email: str, assessor_email: str, iqa_email: str, *, reasons: str = ""
) -> tuple[int, int]:
    """A first attempt, referred, agreed by the IQA (with `reasons`) and released: (submission id, assessment
    id)."""
    first = submit(app, email)
    assessment_id = judge(app, assessor_email, first, decision="referred")  # referrals are sampled by default
    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        review_decision(
            person(iqa_email), assessment, verdict="agree", reasons_md=reasons, expected_version=None
        )
        db.session.commit()
    release(app, iqa_email, assessment_id)
    return first, assessment_id


def release(app, email: str, assessment_id: int) -> None:
    """Release a ready decision through the service (the release button belongs to the marking page)."""
    with app.test_request_context():
        release_decision(person(email), db.session.get(Assessment, assessment_id))
        db.session.commit()


def state_of(app, assessment_id: int) -> str:
    with app.app_context():
        return db.session.get(Assessment, assessment_id).status


def audit(app, action: str) -> list[dict]:
    """The details of every audit row with this action, with the actor's role, oldest first."""
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
        return [{**details_of(e), "actor_role": e.actor_role} for e in events]


def share_with_examiner(app, candidate_emails, *, days: int = 30, cohort_id: int | None = None) -> int:
    """The course leader shares these candidates of the demo cohort (or `cohort_id`) with the demo's external
    examiner until `days` from today, through the service; returns the grant's id."""
    with app.test_request_context():
        access = grant_examiner_access(
            person(LEADER),
            db.session.get(Cohort, cohort_id or demo_cohort_id(app)),
            examiner_id=person(EXAMINER).id,
            candidate_ids=[person(email).id for email in candidate_emails],
            ends_on=uk_today() + timedelta(days=days),
            note="",
            today=uk_today(),
        )
        db.session.commit()
        return access.id


def save_all_met(assessor, assessment, *, decision: str, feedback_md: str, **judgement) -> None:
    """The assessor judges every criterion met with every VACS check yes (request context; not committed).
    `judgement` overrides any other argument of save_judgement (comments, vacs_notes, overrides...)."""
    refs = [j.criterion_ref for j in assessment.judgements]
    save_judgement(
        assessor,
        assessment,
        **{
            "expected_version": assessment.version,
            "outcomes": dict.fromkeys(refs, "met"),
            "comments": {},
            "feedback_md": feedback_md,
            "action_md": "",
            "vacs": dict.fromkeys(VACS, True),
            "vacs_notes": {},
            "decision": decision,
            **judgement,
        },
    )
