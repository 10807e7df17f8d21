"""Releasing a decision: recorded in the releaser's own role (assessor, IQA, course leader); an IQA of
another cohort cannot release."""

from __future__ import annotations

import pytest

from tests.support import marking as ms
from tests.support.demo import demo_fixture
from tests.support.html import csrf_from, has_button, page_text, press, signed_in
from tests.support.people import JO, LEADER, SAM, TOM
from tests.support.quality import OTHER_IQA, RELEASE, audit, judge, load_quality_demo, state_of, submit

demo = demo_fixture(load_quality_demo)


@pytest.mark.parametrize(("email", "role"), [(TOM, "assessor"), (SAM, "iqa"), (LEADER, "course_leader")])
def test_release_is_recorded_in_the_releasers_own_role(demo, email, role):
    ms.sample_nothing(demo)
    assessment_id = judge(demo, TOM, submit(demo, JO))
    client = signed_in(demo, email)
    page = client.get(f"/assessors/assessments/{assessment_id}")
    assert has_button(page, RELEASE)
    assert "is released" in page_text(press(client, page, RELEASE))
    assert state_of(demo, assessment_id) == "released"
    (released,) = audit(demo, "decision_released")
    assert released["actor_role"] == role


def test_other_cohorts_iqa_cannot_release(demo):
    ms.sample_nothing(demo)
    assessment_id = judge(demo, TOM, submit(demo, JO))
    other = signed_in(demo, OTHER_IQA)
    assert other.get(f"/assessors/assessments/{assessment_id}").status_code == 404
    token = csrf_from(other.get("/account").get_data(as_text=True))
    refused = other.post(f"/assessors/assessments/{assessment_id}/release", data={"csrf_token": token})
    assert refused.status_code == 404
    assert state_of(demo, assessment_id) == "ready_for_release"
