"""Internal quality assurance as the IQA does it: the work list, review beside the evidence (agree / return),
sampling one more, reopening with a reason; and who is refused (their own decision, another cohort)."""

from __future__ import annotations

from sqlalchemy import func, select

from assessors.marking.models import Assessment, IqaReview
from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.extensions import db
from core.notifications.models import Notification
from portfolio.submissions.models import Submission
from qualification.results.models import ModuleResult
from tests.support.html import csrf_from, has_button, page_text, press, signed_in
from tests.support.people import CHRIS, HELEN, JO, LEADER, SAM, TOM, person
from tests.support.quality import (
    OTHER_IQA,
    REOPEN,
    demo_cohort_id,
    judge,
    release,
    state_of,
    submit,
)

AGREE, RETURN = "Agree with the decision", "Return to the assessor"


def review_url(assessment_id: int) -> str:
    return f"/assessors/assessments/{assessment_id}/review"


def actions(app, action: str) -> list[dict]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
        return [{**details_of(e), "actor_role": e.actor_role} for e in events]


def no_sampling(app) -> None:
    """The cohort's plan samples nothing, so decisions go straight to ready for release."""
    sam = signed_in(app, SAM)
    page = sam.get(f"/assessors/cohorts/{demo_cohort_id(app)}/sampling")
    off = {
        "base_percent": "0",
        "first_decisions": "0",
        "all_apl": [],
        "all_referrals": [],
        "all_trainees": [],
    }
    assert "saved" in page_text(press(sam, page, "Save the sampling plan", off))


# The work list ----------------------------------------------------------------------------------------------


def test_iqa_sees_sampled_decisions_of_their_cohort_with_the_reasons(demo):
    first = judge(demo, TOM, submit(demo, JO))  # an assessor's first decisions are sampled by default
    second = judge(demo, HELEN, submit(demo, CHRIS))
    text = page_text(signed_in(demo, SAM).get("/assessors/iqa"))
    assert "Waiting for your review" in text
    assert text.index("Jo Patel") < text.index("Chris Evans")  # oldest first
    assert "one of the assessor's first 5 decisions" in text
    # Helen is an IQA of the cohort too: her own decision is listed, flagged for another IQA.
    helens = page_text(signed_in(demo, HELEN).get("/assessors/iqa"))
    assert "Your decision: another IQA reviews it" in helens
    # The course leader sees every cohort's; an IQA of another cohort sees none of these.
    assert "Jo Patel" in page_text(signed_in(demo, LEADER).get("/assessors/iqa"))
    others = page_text(signed_in(demo, OTHER_IQA).get("/assessors/iqa"))
    assert "Jo Patel" not in others
    assert "Chris Evans" not in others
    assert {state_of(demo, first), state_of(demo, second)} == {"in_iqa_review"}


def test_assessor_and_candidate_cannot_open_quality_assurance(demo):
    assessment_id = judge(demo, TOM, submit(demo, JO))
    for email in (TOM, JO):
        client = signed_in(demo, email)
        assert client.get("/assessors/iqa").status_code == 403
        assert client.get(review_url(assessment_id)).status_code == 403


# Review -----------------------------------------------------------------------------------------------------


def test_iqa_can_agree_and_the_decision_is_ready_for_release(demo):
    assessment_id = judge(demo, TOM, submit(demo, JO))
    sam = signed_in(demo, SAM)
    page = sam.get(review_url(assessment_id))
    text = page_text(page)
    # Beside the frozen evidence: the evidence, the judgement per criterion, VACS, feedback and decision.
    for shown in (
        "The body of Careers plan.",
        "Comment on M01.1.1",
        "Clear evidence of planning.",
        "Achieved",
    ):
        assert shown in text
    done = press(sam, page, AGREE)
    assert "ready for release" in page_text(done)
    assert state_of(demo, assessment_id) == "ready_for_release"
    with demo.app_context():
        review = db.session.scalars(select(IqaReview)).one()
        assert (review.verdict, review.reviewer_id) == ("agree", person(SAM).id)
        # The candidate hears nothing until the decision is released.
        assert (
            db.session.scalar(
                select(func.count(Notification.id)).where(Notification.user_id == person(JO).id)
            )
            == 0
        )
    assert actions(demo, "iqa_reviewed")[0]["verdict"] == "agree"


def test_iqa_can_return_a_decision_and_the_candidate_sees_nothing(demo):
    assessment_id = judge(demo, TOM, submit(demo, JO))
    sam = signed_in(demo, SAM)
    press(sam, sam.get(review_url(assessment_id)), RETURN, {"reasons_md": "Comment on the pupils reached."})
    with demo.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assert (assessment.status, assessment.returned_by_iqa) == ("in_marking", True)
        jo, tom = person(JO).id, person(TOM).id
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == jo)) == 0
        told = db.session.scalars(select(Notification.kind).where(Notification.user_id == tom)).all()
        assert told.count("decision_returned") == 1
        assert db.session.scalars(select(Submission.status)).one() == "submitted"
    jo_client = signed_in(demo, JO)
    assert jo_client.get(f"/assessors/assessments/{assessment_id}").status_code == 404
    assert "Comment on the pupils reached." not in page_text(jo_client.get("/portfolio/submissions"))


def test_iqa_cannot_return_a_decision_without_reasons(demo):
    assessment_id = judge(demo, TOM, submit(demo, JO))
    sam = signed_in(demo, SAM)
    response = press(sam, sam.get(review_url(assessment_id)), RETURN, {"reasons_md": "  "}, follow=False)
    assert response.status_code == 422
    assert "Say why the decision goes back to the assessor." in page_text(response)
    assert state_of(demo, assessment_id) == "in_iqa_review"
    assert actions(demo, "iqa_reviewed") == []


def test_iqa_cannot_review_a_decision_changed_since_the_page_was_opened(demo):
    assessment_id = judge(demo, TOM, submit(demo, JO))
    sam, helen = signed_in(demo, SAM), signed_in(demo, HELEN)
    sams_page = sam.get(review_url(assessment_id))
    press(helen, helen.get(review_url(assessment_id)), AGREE)
    stale = press(sam, sams_page, RETURN, {"reasons_md": "My careful reasons."}, follow=False)
    assert stale.status_code == 409
    assert "My careful reasons." in stale.get_data(as_text=True)  # nothing Sam typed is lost
    assert state_of(demo, assessment_id) == "ready_for_release"
    assert len(actions(demo, "iqa_reviewed")) == 1


def test_helen_cannot_review_her_own_decision(demo):
    assessment_id = judge(demo, HELEN, submit(demo, CHRIS))  # Helen is Chris's assessor and an IQA
    helen = signed_in(demo, HELEN)
    page = helen.get(review_url(assessment_id))
    assert page.status_code == 200
    assert "You made this decision, so another IQA of the cohort reviews it." in page_text(page)
    assert not has_button(page, AGREE)
    token = csrf_from(page.get_data(as_text=True))
    with demo.app_context():
        version = db.session.get(Assessment, assessment_id).version
    forced = helen.post(
        f"{review_url(assessment_id)}",
        data={"csrf_token": token, "version": version, "verdict": "agree", "reasons_md": ""},
    )
    assert forced.status_code == 403
    assert state_of(demo, assessment_id) == "in_iqa_review"
    # Sam, the other IQA, can.
    sam = signed_in(demo, SAM)
    press(sam, sam.get(review_url(assessment_id)), AGREE)
    assert state_of(demo, assessment_id) == "ready_for_release"


def test_iqa_of_another_cohort_cannot_reach_the_decision(demo):
    assessment_id = judge(demo, TOM, submit(demo, JO))
    other = signed_in(demo, OTHER_IQA)
    token = csrf_from(other.get("/account").get_data(as_text=True))
    assert other.get(review_url(assessment_id)).status_code == 404
    for action in ("review", "sample", "reopen"):
        response = other.post(
            f"/assessors/assessments/{assessment_id}/{action}",
            data={"csrf_token": token, "version": "1", "verdict": "agree", "reason": "x"},
        )
        assert response.status_code == 404, action
    cohort_id = demo_cohort_id(demo)
    for url in (f"/assessors/cohorts/{cohort_id}/sampling", f"/assessors/cohorts/{cohort_id}/examiners"):
        assert other.get(url).status_code == 404, url
    assert state_of(demo, assessment_id) == "in_iqa_review"
    # Nor the candidate's submission in the portfolio pages.
    with demo.app_context():
        submission_id = db.session.get(Assessment, assessment_id).submission_id
    assert other.get(f"/portfolio/submissions/{submission_id}").status_code == 404


# Sampling one more, and reopening ---------------------------------------------------------------------------


def test_iqa_can_sample_a_decision_the_rules_let_through(demo):
    no_sampling(demo)
    assessment_id = judge(demo, TOM, submit(demo, JO))
    assert state_of(demo, assessment_id) == "ready_for_release"
    sam = signed_in(demo, SAM)
    work = sam.get("/assessors/iqa")
    assert "Ready for release, not sampled" in page_text(work)
    done = press(sam, work, "Sample M01 for Jo Patel")
    assert "review it below" in page_text(done)
    assert has_button(done, AGREE)
    with demo.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        assert (assessment.status, assessment.sampled, assessment.sample_reasons) == (
            "in_iqa_review",
            True,
            "chosen by the IQA",
        )
    assert len(actions(demo, "decision_sampled")) == 1


def test_iqa_can_reopen_a_released_decision_and_its_result_is_withdrawn(demo):
    submission_id = submit(demo, JO)
    assessment_id = judge(demo, TOM, submission_id)
    sam = signed_in(demo, SAM)
    press(sam, sam.get(review_url(assessment_id)), AGREE)
    release(demo, SAM, assessment_id)
    with demo.app_context():
        assert db.session.get(Submission, submission_id).status == "achieved"
        assert db.session.scalars(select(ModuleResult.revoked_at)).one() is None
    page = sam.get(review_url(assessment_id))
    refused = press(sam, page, REOPEN, {"reason": ""}, follow=False)
    assert refused.status_code == 422
    assert "Give the reason for reopening" in page_text(refused)
    assert state_of(demo, assessment_id) == "released"
    done = press(sam, page, REOPEN, {"reason": "The witness statement was unsigned."})
    assert "reopened" in page_text(done)
    with demo.app_context():
        assert db.session.get(Assessment, assessment_id).status == "in_marking"
        assert db.session.scalars(select(ModuleResult.revoked_at)).one() is not None
        assert db.session.get(Submission, submission_id).status == "submitted"
    (reopened,) = actions(demo, "decision_reopened")
    assert (reopened["reason"], reopened["was"], reopened["actor_role"]) == (
        "The witness statement was unsigned.",
        "released",
        "iqa",
    )


def test_course_leader_can_reopen_a_ready_decision(demo):
    no_sampling(demo)
    assessment_id = judge(demo, TOM, submit(demo, JO))
    leader = signed_in(demo, LEADER)
    page = leader.get(review_url(assessment_id))
    assert not has_button(page, AGREE)  # reviewing is the IQA's; reopening is theirs and the leader's
    press(leader, page, REOPEN, {"reason": "Allocated to the wrong module."})
    assert state_of(demo, assessment_id) == "in_marking"
    assert actions(demo, "decision_reopened")[0]["actor_role"] == "course_leader"


def test_iqa_can_agree_from_the_marking_page_too(demo):
    assessment_id = judge(demo, TOM, submit(demo, JO))
    sam = signed_in(demo, SAM)
    page = sam.get(f"/assessors/assessments/{assessment_id}")
    assert page.status_code == 200
    press(sam, page, AGREE)
    assert state_of(demo, assessment_id) == "ready_for_release"


def test_iqa_is_told_an_m01_decision_waits_for_review(demo):
    judge(demo, TOM, submit(demo, JO))  # sampled: one of Tom's first decisions
    notes = page_text(signed_in(demo, SAM).get("/notifications/"))
    assert "An M01 decision is waiting for your review" in notes
    assert "A M01" not in notes
