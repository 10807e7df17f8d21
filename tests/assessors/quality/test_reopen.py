"""Reopening a released decision: not once the candidate has moved on (a second attempt submitted, an APL
claim sent again with more evidence), still possible before."""

from __future__ import annotations

from sqlalchemy import select

from assessors.marking.models import Assessment
from core.extensions import db
from portfolio.apl.models import AplClaim
from portfolio.apl.services import submit_claim
from tests.support import marking as ms
from tests.support.html import has_button, page_text, press, signed_in
from tests.support.people import JO, LEADER, SAM, TOM, person
from tests.support.quality import (
    REOPEN,
    audit,
    judge,
    release,
    released_referral,
    state_of,
    submit,
)


def test_iqa_cannot_reopen_a_referral_once_attempt_two_is_submitted(demo):
    first, assessment_id = released_referral(demo, JO, TOM, SAM)
    assert ms.submission_status(demo, first) == "referred"
    # The IQA opened the page before the new attempt arrived (once it has, the button is not offered:
    # test_reopen_button.py); the service still refuses the stale form.
    sam = signed_in(demo, SAM)
    page = sam.get(f"/assessors/assessments/{assessment_id}/review")
    second = submit(demo, JO, title="Second try")
    refused = press(sam, page, REOPEN, {"reason": "Look again."}, follow=False)
    assert refused.status_code == 409
    assert "attempt 2 of M01" in page_text(refused)
    assert "Look again." in refused.get_data(as_text=True)  # what was typed is kept
    assert state_of(demo, assessment_id) == "released"
    assert (ms.submission_status(demo, first), ms.submission_status(demo, second)) == (
        "referred",
        "submitted",
    )
    assert audit(demo, "decision_reopened") == []


def test_iqa_can_still_reopen_a_released_referral_before_a_new_attempt(demo):
    ms.sample_nothing(demo)
    first = submit(demo, JO)
    assessment_id = judge(demo, TOM, first, decision="referred")
    release(demo, TOM, assessment_id)
    sam = signed_in(demo, SAM)
    press(sam, sam.get(f"/assessors/assessments/{assessment_id}/review"), REOPEN, {"reason": "Wrong module."})
    assert state_of(demo, assessment_id) == "in_marking"
    assert ms.submission_status(demo, first) == "submitted"


def test_leader_cannot_reopen_more_evidence_once_the_claim_was_sent_again(app):
    ms.load_marking_demo(app)
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    claim_id = ms.send_apl_claim(app, jo)
    queue = tom.get("/assessors/queue")
    form = ms.start_form(queue, f"/assessors/claims/{claim_id}/start")
    tom.post(form.action, data=form.data(form.buttons[0][0]))
    with app.app_context():
        assessment_id = db.session.scalar(select(Assessment.id).where(Assessment.apl_claim_id == claim_id))
    decided = ms.judgement(
        "not_yet_met", refs=["M02.1.1"], decision="more_evidence", action="Send the certificate itself."
    )
    decided |= {
        "vacs_valid_note": "A level 6 diploma in careers guidance.",
        "vacs_authentic_note": "In the candidate's name.",
        "vacs_current_note": "Awarded in 2024.",
        "vacs_sufficient_note": "Not yet: the certificate itself is missing.",
    }
    ms.judge(tom, assessment_id, "Complete marking", decided)
    ms.release_all(tom)
    # The leader opened the page before the claim was sent again (after it, Reopen is not offered:
    # test_reopen_button.py); the service still refuses the stale form.
    leader = signed_in(app, LEADER)
    page = leader.get(f"/assessors/assessments/{assessment_id}/review")
    with app.test_request_context():
        claim = db.session.get(AplClaim, claim_id)
        assert claim.status == "more_evidence"
        submit_claim(person(JO), claim)
        db.session.commit()
    assert not has_button(leader.get(f"/assessors/assessments/{assessment_id}/review"), REOPEN)
    refused = press(leader, page, REOPEN, {"reason": "Wrong claim."}, follow=False)
    assert refused.status_code == 409
    assert "sent this claim again with more evidence" in page_text(refused)
    assert state_of(app, assessment_id) == "released"
