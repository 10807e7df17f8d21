"""The cohort's IQAs and the course leader read a candidate's workplace assessment page but cannot act on
it; an IQA of another cohort cannot read it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessors.workplace.models import Observation
from core.extensions import db
from tests.support.demo import demo_fixture
from tests.support.html import csrf_from, has_button, page_text, signed_in
from tests.support.people import CHRIS, HELEN, LEADER, SAM
from tests.support.quality import OTHER_IQA, load_quality_demo
from tests.support.workplace import workplace_evidence

demo = demo_fixture(load_quality_demo)


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
