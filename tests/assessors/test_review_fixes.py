"""Regression tests for the review of the assessment issue: reopening after a later attempt, the releaser's
real role, an attempt withdrawn while it is marked, the workplace evidence beside each criterion on the
marking page, and the IQAs' and course leader's read-only view of a candidate's workplace assessment."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from assessors.decisions.services import review_decision
from assessors.marking.models import Assessment
from assessors.marking.services import start_submission_marking
from assessors.quality.models import SamplingPlan
from assessors.workplace.models import Observation
from assessors.workplace.services.observations import plan_observation, record_observation
from assessors.workplace.services.signoffs import sign_off_criterion
from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.db.timeutil import UK
from core.extensions import db
from portfolio.apl.models import AplClaim
from portfolio.apl.services import submit_claim
from portfolio.submissions.models import Submission
from qualification.cohorts.models import Cohort
from qualification.cohorts.services import allocate
from tests.assessors import marking_support as ms
from tests.assessors.quality_support import (
    CHRIS,
    HELEN,
    JO,
    LEADER,
    OTHER_IQA,
    SAM,
    TOM,
    demo_cohort_id,
    judge,
    load_quality_demo,
    person,
    release,
    signed_in,
    state_of,
    submit,
)
from tests.conftest import csrf_from
from tests.modules.study_support import has_button, page_text, press

REOPEN = "Reopen for the assessor"
RELEASE = "Release to the candidate"


@pytest.fixture
def demo(app):
    load_quality_demo(app)
    return app


def no_sampling(app) -> None:
    """The demo cohort samples nothing, so completed decisions go straight to ready for release."""
    with app.app_context():
        db.session.add(
            SamplingPlan(
                cohort_id=demo_cohort_id(app),
                base_percent=0,
                first_decisions=0,
                all_apl=False,
                all_referrals=False,
                all_trainees=False,
            )
        )
        db.session.commit()


def audit(app, action: str) -> list[dict]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
        return [{**details_of(e), "actor_role": e.actor_role} for e in events]


def status_of(app, submission_id: int) -> str:
    with app.app_context():
        return db.session.get(Submission, submission_id).status


# Reopening a released decision once the candidate has moved on ------------------------------------------


def test_iqa_cannot_reopen_a_referral_once_attempt_two_is_submitted(demo):
    first = submit(demo, JO)
    assessment_id = judge(demo, TOM, first, decision="referred")  # referrals are sampled by default
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        review_decision(person(SAM), assessment, verdict="agree", reasons_md="", expected_version=None)
        db.session.commit()
    release(demo, SAM, assessment_id)
    assert status_of(demo, first) == "referred"
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
    assert (status_of(demo, first), status_of(demo, second)) == ("referred", "submitted")
    assert audit(demo, "decision_reopened") == []


def test_iqa_can_still_reopen_a_released_referral_before_a_new_attempt(demo):
    no_sampling(demo)
    first = submit(demo, JO)
    assessment_id = judge(demo, TOM, first, decision="referred")
    release(demo, TOM, assessment_id)
    sam = signed_in(demo, SAM)
    press(sam, sam.get(f"/assessors/assessments/{assessment_id}/review"), REOPEN, {"reason": "Wrong module."})
    assert state_of(demo, assessment_id) == "in_marking"
    assert status_of(demo, first) == "submitted"


# Release in the releaser's own capacity --------------------------------------------------------------------


@pytest.mark.parametrize(("email", "role"), [(TOM, "assessor"), (SAM, "iqa"), (LEADER, "course_leader")])
def test_release_is_recorded_in_the_releasers_own_role(demo, email, role):
    no_sampling(demo)
    assessment_id = judge(demo, TOM, submit(demo, JO))
    client = signed_in(demo, email)
    page = client.get(f"/assessors/assessments/{assessment_id}")
    assert has_button(page, RELEASE)
    assert "is released" in page_text(press(client, page, RELEASE))
    assert state_of(demo, assessment_id) == "released"
    (released,) = audit(demo, "decision_released")
    assert released["actor_role"] == role


def test_other_cohorts_iqa_cannot_release(demo):
    no_sampling(demo)
    assessment_id = judge(demo, TOM, submit(demo, JO))
    other = signed_in(demo, OTHER_IQA)
    assert other.get(f"/assessors/assessments/{assessment_id}").status_code == 404
    token = csrf_from(other.get("/account").get_data(as_text=True))
    refused = other.post(f"/assessors/assessments/{assessment_id}/release", data={"csrf_token": token})
    assert refused.status_code == 404
    assert state_of(demo, assessment_id) == "ready_for_release"


# An attempt withdrawn while it is being marked ----------------------------------------------------------


def withdraw(app, submission_id: int) -> None:
    """An attempt withdrawn while being marked: the service now refuses that (test_lead_rules), so this is
    data from before the lock existed; the marking services must still refuse to act on it."""
    with app.app_context():
        db.session.get(Submission, submission_id).status = "withdrawn"
        db.session.commit()


def test_assessor_cannot_save_a_judgement_on_an_attempt_withdrawn_meanwhile(demo):
    submission_id = submit(demo, JO)
    with demo.test_request_context():
        assessment = start_submission_marking(person(TOM), db.session.get(Submission, submission_id))
        db.session.commit()
        assessment_id = assessment.id
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
    no_sampling(demo)
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
    assert status_of(demo, jo_submission) == "withdrawn"


def test_assessor_reallocated_mid_marking_is_told_and_the_new_assessor_continues(demo):
    submission_id = submit(demo, JO)
    with demo.test_request_context():
        assessment = start_submission_marking(person(TOM), db.session.get(Submission, submission_id))
        db.session.commit()
        assessment_id = assessment.id
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


# The marking page: workplace evidence beside each criterion ---------------------------------------------


def workplace_evidence(app) -> int:
    """Tom signs off Jo's M01.1.2 and records an observation of M01.1.3; returns Jo's id."""
    with app.test_request_context():
        tom, jo = person(TOM), person(JO)
        sign_off_criterion(
            tom,
            candidate_id=jo.id,
            family="CCQ",
            module_code="M01",
            ref="M01.1.2",
            basis="Professional discussion on 3 March",
            note_md="",
            signed_name=tom.name,
        )
        today = datetime.now(UK).date()
        observation = plan_observation(
            tom,
            candidate_id=jo.id,
            family="CCQ",
            module_code="M01",
            planned_for=today + timedelta(days=1),
            school="Northmoor Academy",
            focus_md="A guidance interview.",
            refs=["M01.1.3"],
        )
        record_observation(
            tom,
            observation,
            expected_version=None,
            observed_on=today,
            narrative_md="A well-run interview.",
            judgements={"M01.1.3": ("met", "Clear next steps agreed.")},
            signed_name=tom.name,
            anonymised=True,
        )
        db.session.commit()
        return jo.id


def test_assessor_sees_signoffs_and_observations_beside_each_criterion(demo):
    jo = workplace_evidence(demo)
    submission_id = submit(demo, JO)
    tom = signed_in(demo, TOM)
    with demo.test_request_context():
        assessment = start_submission_marking(person(TOM), db.session.get(Submission, submission_id))
        db.session.commit()
        assessment_id = assessment.id
    html = tom.get(f"/assessors/assessments/{assessment_id}").get_data(as_text=True)
    section_112 = html.split('id="criterion-M01.1.2"')[1].split("</section>")[0]
    assert "Professional discussion on 3 March" in section_112
    section_113 = html.split('id="criterion-M01.1.3"')[1].split("</section>")[0]
    assert "Observed: met" in section_113
    with demo.app_context():
        observation_id = db.session.scalar(select(Observation.id))
    assert f'href="/assessors/observations/{observation_id}"' in section_113
    assert "Clear next steps agreed." in section_113
    assert f'href="/assessors/candidates/{jo}/workplace"' in html
    # The IQA reading the same decision sees the same, read-only.
    sam_html = signed_in(demo, SAM).get(f"/assessors/assessments/{assessment_id}").get_data(as_text=True)
    assert "Professional discussion on 3 March" in sam_html


def test_candidate_does_not_see_the_workplace_notes_on_released_feedback(demo):
    no_sampling(demo)
    workplace_evidence(demo)
    assessment_id = judge(demo, TOM, submit(demo, JO))
    release(demo, TOM, assessment_id)
    html = signed_in(demo, JO).get(f"/assessors/assessments/{assessment_id}").get_data(as_text=True)
    assert "Feedback on your M01" in html
    assert "Observed: met" not in html


# IQAs and the course leader read a candidate's workplace assessment -------------------------------------


@pytest.mark.parametrize("email", [SAM, LEADER])
def test_iqa_and_course_leader_can_read_the_workplace_page_but_not_act(demo, email):
    jo = workplace_evidence(demo)
    client = signed_in(demo, email)
    page = client.get(f"/assessors/candidates/{jo}/workplace")
    assert page.status_code == 200
    text = page_text(page)
    assert "Professional discussion on 3 March" in text
    assert "only the candidate's allocated assessor can change it" in text
    assert not has_button(page, "Sign off the criterion")
    assert "Plan an observation" not in text
    assert "Withdraw the sign-off" not in text
    with demo.app_context():
        observation_id = db.session.scalar(select(Observation.id))
    seen = client.get(f"/assessors/observations/{observation_id}")
    assert seen.status_code == 200
    assert "A well-run interview." in page_text(seen)
    assert not has_button(seen, "Acknowledge")
    token = csrf_from(page.get_data(as_text=True))
    attempt = client.post(
        f"/assessors/candidates/{jo}/signoffs",
        data={"csrf_token": token, "criterion": "CCQ/M01/M01.1.1", "basis": "x", "signed_name": "x"},
    )
    assert attempt.status_code in (403, 404)


def test_iqa_of_another_cohort_cannot_read_the_workplace_page(demo):
    jo = workplace_evidence(demo)
    other = signed_in(demo, OTHER_IQA)
    assert other.get(f"/assessors/candidates/{jo}/workplace").status_code == 404
    with demo.app_context():
        observation_id = db.session.scalar(select(Observation.id))
    assert other.get(f"/assessors/observations/{observation_id}").status_code == 404
    chris = signed_in(demo, CHRIS)
    assert chris.get(f"/assessors/candidates/{jo}/workplace").status_code == 403


def test_assessor_helen_sees_jo_read_only_as_an_iqa(demo):
    jo = workplace_evidence(demo)
    page = signed_in(demo, HELEN).get(f"/assessors/candidates/{jo}/workplace")
    assert page.status_code == 200
    assert not has_button(page, "Sign off the criterion")


# Reopening an APL round once the claim was sent again ----------------------------------------------------


def test_leader_cannot_reopen_more_evidence_once_the_claim_was_sent_again(app):
    ms.load_marking_demo(app)
    jo, tom = ms.signed_in(app, ms.JO), ms.signed_in(app, ms.TOM)
    with app.app_context():
        cohort = db.session.scalar(select(Cohort.id))
    page = jo.get(f"/portfolio/apl/new/{cohort}/M02")
    changes = {
        "scope": "criteria",
        "criteria": ["M02.1.1"],
        "certificate_title": "Diploma",
        "awarding_body": "OCR",
    }
    sent = press(jo, page, "Send to my assessor", changes, follow=False)
    claim_id = int(sent.headers["Location"].rsplit("/", 1)[1])
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
    leader = ms.signed_in(app, ms.LEADER)
    page = leader.get(f"/assessors/assessments/{assessment_id}/review")
    with app.test_request_context():
        claim = db.session.get(AplClaim, claim_id)
        assert claim.status == "more_evidence"
        submit_claim(person(ms.JO), claim)
        db.session.commit()
    assert not has_button(leader.get(f"/assessors/assessments/{assessment_id}/review"), REOPEN)
    refused = press(leader, page, REOPEN, {"reason": "Wrong claim."}, follow=False)
    assert refused.status_code == 409
    assert "sent this claim again with more evidence" in page_text(refused)
    assert state_of(app, assessment_id) == "released"
