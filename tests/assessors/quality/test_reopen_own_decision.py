"""An IQA never reopens a decision they made themself; another IQA of the cohort can."""

from __future__ import annotations

from sqlalchemy import select

from assessors.marking.models import Assessment
from core.extensions import db
from tests.support.demo import demo_fixture
from tests.support.html import csrf_from, has_button, press, signed_in
from tests.support.marking import load_marking_demo
from tests.support.people import CHRIS, HELEN, SAM, person
from tests.support.quality import REOPEN, submit
from tests.support.quality import judge as judge_by_service

demo = demo_fixture(load_marking_demo)


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
        return db.session.scalar(select(Assessment.status).where(Assessment.id == assessment_id))


def _version(app, assessment_id: int) -> int:
    with app.app_context():
        return db.session.get(Assessment, assessment_id).version


def _token(page) -> str:
    return csrf_from(page.get_data(as_text=True))
