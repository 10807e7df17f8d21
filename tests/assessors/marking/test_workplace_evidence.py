"""The marking page shows the workplace evidence (sign-offs, observations) beside each criterion; the
candidate's released feedback does not show the assessor's workplace notes."""

from __future__ import annotations

from sqlalchemy import select

from assessors.marking.services import start_submission_marking
from assessors.workplace.models import Observation
from core.extensions import db
from portfolio.submissions.models import Submission
from tests.support import marking as ms
from tests.support.demo import demo_fixture
from tests.support.html import signed_in
from tests.support.people import JO, SAM, TOM, person
from tests.support.quality import judge, load_quality_demo, release, submit
from tests.support.workplace import workplace_evidence

demo = demo_fixture(load_quality_demo)


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
    ms.sample_nothing(demo)
    workplace_evidence(demo)
    assessment_id = judge(demo, TOM, submit(demo, JO))
    release(demo, TOM, assessment_id)
    html = signed_in(demo, JO).get(f"/assessors/assessments/{assessment_id}").get_data(as_text=True)
    assert "Feedback on your M01" in html
    assert "Observed: met" not in html
