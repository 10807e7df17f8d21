"""Completing a decision: every VACS "no" needs a reason (and every check of an APL decision)."""

from __future__ import annotations

from assessors.marking.models import Assessment
from core.extensions import db
from tests.support.demo import demo_fixture
from tests.support.html import csrf_from, page_text, signed_in
from tests.support.marking import (
    assessment_id_of,
    judge,
    judgement,
    load_marking_demo,
    start_marking,
    submit_m01,
)
from tests.support.people import JO, TOM
from tests.support.quality import release

demo = demo_fixture(load_marking_demo)


def _token(page) -> str:
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
        assert db.session.get(Assessment, assessment_id).status == "in_marking"
    changes["vacs_current_note"] = "The referrals are from 2019; show one from this school year."
    done = judge(tom, assessment_id, "Complete marking", changes, follow=True)
    assert done.status_code == 200
    with demo.app_context():
        row = db.session.get(Assessment, assessment_id)
        assert row.status == "ready_for_release"
        assert row.vacs_notes["current"].startswith("The referrals are from 2019")
    release(demo, TOM, assessment_id)
    feedback = page_text(jo.get(f"/assessors/assessments/{assessment_id}"))
    assert "The referrals are from 2019" in feedback
