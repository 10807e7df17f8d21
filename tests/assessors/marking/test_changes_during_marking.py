"""An attempt that changes while it is being marked: withdrawn by the candidate (no judgement saved, not
released), or the candidate reallocated to another assessor, who carries on."""

from __future__ import annotations

from assessors.marking.models import Assessment
from core.extensions import db
from qualification.cohorts.models import Cohort
from qualification.cohorts.services import allocate
from tests.support import marking as ms
from tests.support.demo import demo_fixture
from tests.support.html import has_button, page_text, press, signed_in
from tests.support.marking import withdraw
from tests.support.people import HELEN, JO, LEADER, TOM, person
from tests.support.quality import RELEASE, demo_cohort_id, judge, load_quality_demo, start, state_of, submit

demo = demo_fixture(load_quality_demo)


def test_assessor_cannot_save_a_judgement_on_an_attempt_withdrawn_meanwhile(demo):
    submission_id = submit(demo, JO)
    assessment_id = start(demo, TOM, submission_id)
    tom = signed_in(demo, TOM)
    page = tom.get(f"/assessors/assessments/{assessment_id}")
    withdraw(demo, submission_id)
    refused = press(tom, page, "Save draft", {"feedback_md": "My careful feedback."}, follow=False)
    assert refused.status_code == 409
    assert "withdrew this attempt" in page_text(refused)
    assert "My careful feedback." in refused.get_data(as_text=True)
    with demo.app_context():
        assert db.session.get(Assessment, assessment_id).feedback_md == ""


def test_bulk_release_skips_an_attempt_withdrawn_after_marking(demo):
    ms.sample_nothing(demo)
    jo_submission = submit(demo, JO)
    withdrawn = judge(demo, TOM, jo_submission)
    # The page was open before the withdrawal (after it, Release is not offered); the service still refuses.
    tom = signed_in(demo, TOM)
    page = tom.get(f"/assessors/assessments/{withdrawn}")
    withdraw(demo, jo_submission)
    refused = press(tom, page, RELEASE, follow=False)
    assert refused.status_code == 409
    assert "withdrew this attempt" in page_text(refused)
    listed = tom.get("/assessors/release")
    assert f'value="{withdrawn}"' not in listed.get_data(as_text=True)
    assert state_of(demo, withdrawn) == "ready_for_release"
    assert ms.submission_status(demo, jo_submission) == "withdrawn"


def test_assessor_reallocated_mid_marking_is_told_and_the_new_assessor_continues(demo):
    submission_id = submit(demo, JO)
    assessment_id = start(demo, TOM, submission_id)
    tom = signed_in(demo, TOM)
    page = tom.get(f"/assessors/assessments/{assessment_id}")
    with demo.test_request_context():
        cohort = db.session.get(Cohort, demo_cohort_id(demo))
        allocate(person(LEADER), cohort, candidate_id=person(JO).id, assessor_id=person(HELEN).id)
        db.session.commit()
    refused = press(tom, page, "Save draft", {"feedback_md": "Too late."}, follow=False)
    assert refused.status_code == 403
    assert "now allocated to another assessor" in page_text(refused)
    helen = signed_in(demo, HELEN)
    continued = helen.get(f"/assessors/assessments/{assessment_id}")
    assert has_button(continued, "Save draft")
    with demo.app_context():
        assert db.session.get(Assessment, assessment_id).feedback_md == ""
