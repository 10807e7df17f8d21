"""Rules added after the first review: no withdrawal once marking has started, a reason for every VACS "no"
(and every check of an APL decision), and an IQA never reopens a decision they made themself."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessors.marking.models import Assessment
from core.extensions import db
from portfolio.submissions.models import Submission
from tests.support.html import has_button, page_text, press, signed_in
from tests.support.marking import (
    assessment_id_of,
    judge,
    judgement,
    load_marking_demo,
    start_marking,
    submission_status,
    submit_m01,
)
from tests.support.people import CHRIS, HELEN, JO, SAM, TOM, person
from tests.support.quality import judge as judge_by_service
from tests.support.quality import release, submit

REOPEN = "Reopen for the assessor"


@pytest.fixture
def demo(app):
    load_marking_demo(app)
    return app


def test_candidate_cannot_withdraw_once_their_assessor_has_started_marking(demo):
    jo = signed_in(demo, JO)
    submission_id = submit_m01(demo, jo)
    page = jo.get(f"/portfolio/submissions/{submission_id}")
    assert has_button(page, "Withdraw this submission")
    start_marking(signed_in(demo, TOM), submission_id)
    page = jo.get(f"/portfolio/submissions/{submission_id}")
    assert not has_button(page, "Withdraw this submission")
    # A form opened before marking started is refused, with the reason, and nothing changes.
    refused = jo.post(
        f"/portfolio/submissions/{submission_id}/withdraw",
        data={"csrf_token": _token(page)},
    )
    assert refused.status_code == 409
    assert "Your assessor has started marking this attempt" in page_text(refused)
    assert submission_status(demo, submission_id) == "submitted"
    with demo.app_context():
        assert db.session.get(Submission, submission_id).marking_started_at is not None


def _token(page) -> str:
    from tests.conftest import csrf_from

    return csrf_from(page.get_data(as_text=True))


def test_assessor_cannot_complete_with_a_failed_vacs_check_unexplained(demo):
    jo = signed_in(demo, JO)
    submission_id = submit_m01(demo, jo)
    tom = signed_in(demo, TOM)
    start_marking(tom, submission_id)
    assessment_id = assessment_id_of(demo, submission_id)
    changes = judgement(decision="referred", action="Add a referral written this term.")
    changes["vacs_current"] = "no"
    refused = judge(tom, assessment_id, "Complete marking", changes)
    assert refused.status_code == 422
    assert "Give your reason for 'current'." in page_text(refused)
    assert "Give your reason for 'valid'." not in page_text(refused)  # a "yes" needs no reason
    with demo.app_context():
        assert db.session.get(Assessment, assessment_id).state == "in_marking"
    changes["vacs_current_note"] = "The referrals are from 2019; show one from this school year."
    done = judge(tom, assessment_id, "Complete marking", changes, follow=True)
    assert done.status_code == 200
    with demo.app_context():
        row = db.session.get(Assessment, assessment_id)
        assert row.state == "ready_for_release"
        assert row.vacs_notes["current"].startswith("The referrals are from 2019")
    release(demo, TOM, assessment_id)
    feedback = page_text(jo.get(f"/assessors/assessments/{assessment_id}"))
    assert "The referrals are from 2019" in feedback


def test_iqa_cannot_reopen_a_decision_they_made_but_another_iqa_can(demo):
    # Helen Marsh is both an assessor (allocated to Chris) and an IQA of the cohort.
    assessment_id = judge_by_service(demo, HELEN, submit(demo, CHRIS))
    with demo.app_context():
        assert db.session.get(Assessment, assessment_id).completed_by_id == person(HELEN).id
    helen = signed_in(demo, HELEN)
    page = helen.get(f"/assessors/assessments/{assessment_id}")
    assert page.status_code == 200
    assert not has_button(page, REOPEN)
    forced = helen.post(
        f"/assessors/assessments/{assessment_id}/reopen",
        data={
            "csrf_token": _token(page),
            "reason": "Mine to change.",
            "version": _version(demo, assessment_id),
        },
    )
    assert forced.status_code == 403
    assert _state(demo, assessment_id) == "ready_for_release"
    sam = signed_in(demo, SAM)
    page = sam.get(f"/assessors/assessments/{assessment_id}")
    assert has_button(page, REOPEN)
    press(sam, page, REOPEN, {"reason": "The plan evidence predates the course."})
    assert _state(demo, assessment_id) == "in_marking"


def _state(app, assessment_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(Assessment.state).where(Assessment.id == assessment_id))


def _version(app, assessment_id: int) -> int:
    with app.app_context():
        return db.session.get(Assessment, assessment_id).version
