"""Action buttons show exactly when their POST would be allowed (the `*_now` predicates), seen as the user."""

from __future__ import annotations

from assessors.marking.models import Assessment
from core.extensions import db
from tests.support.html import csrf_from, has_button, signed_in
from tests.support.marking import sample_nothing as no_sampling
from tests.support.marking import withdraw
from tests.support.people import JO, SAM, TOM
from tests.support.quality import RELEASE, REOPEN, judge, released_referral, state_of, submit


def test_iqa_cannot_see_reopen_once_the_candidate_sent_attempt_two(demo):
    _, assessment_id = released_referral(demo, JO, TOM, SAM)
    sam = signed_in(demo, SAM)
    for url in (f"/assessors/assessments/{assessment_id}/review", f"/assessors/assessments/{assessment_id}"):
        assert has_button(sam.get(url), REOPEN), url  # offered while nothing came after the decision
    submit(demo, JO, title="Second try")
    for url in (f"/assessors/assessments/{assessment_id}/review", f"/assessors/assessments/{assessment_id}"):
        page = sam.get(url)
        assert page.status_code == 200
        assert not has_button(page, REOPEN), url
    # ... because the POST would be refused: the page and the service agree.
    token = csrf_from(sam.get("/account").get_data(as_text=True))
    with demo.app_context():
        version = db.session.get(Assessment, assessment_id).version
    refused = sam.post(
        f"/assessors/assessments/{assessment_id}/reopen",
        data={"csrf_token": token, "version": version, "reason": "Look again."},
    )
    assert refused.status_code == 409
    assert state_of(demo, assessment_id) == "released"


def test_assessor_cannot_see_release_for_an_attempt_withdrawn_after_marking(demo):
    no_sampling(demo)
    submission_id = submit(demo, JO)
    assessment_id = judge(demo, TOM, submission_id)
    tom = signed_in(demo, TOM)
    assert has_button(tom.get(f"/assessors/assessments/{assessment_id}"), RELEASE)
    withdraw(demo, submission_id)
    assert not has_button(tom.get(f"/assessors/assessments/{assessment_id}"), RELEASE)
    assert state_of(demo, assessment_id) == "ready_for_release"


def test_candidate_cannot_see_withdraw_once_marking_started(demo):
    submission_id = submit(demo, JO)
    jo = signed_in(demo, JO)
    assert has_button(jo.get(f"/portfolio/submissions/{submission_id}"), "Withdraw this submission")
    tom = signed_in(demo, TOM)
    tom.post(
        f"/assessors/submissions/{submission_id}/start",
        data={"csrf_token": csrf_from(tom.get("/account").get_data(as_text=True))},
    )
    assert not has_button(jo.get(f"/portfolio/submissions/{submission_id}"), "Withdraw this submission")
