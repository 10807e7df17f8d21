"""Who may read a candidate's transcript: an assessor only the candidates allocated to them (review fix)."""

from __future__ import annotations

from datetime import date

import pytest

from core.accounts.models import Role
from qualification.cohorts.models import CohortRoles
from qualification.permissions import can_view_transcript
from tests.support.people import JO, Viewer, add_assessor
from tests.support.transcript import achieve, cohort_id, load_demo_world, page, transcript_url

OTHER_ASSESSOR = "zed.assessor@northmoor.example"


@pytest.fixture
def demo(app):
    load_demo_world(app)
    add_assessor(app, OTHER_ASSESSOR, "Zed Other", cohort_id(app))
    return app


def test_assessor_of_the_cohort_cannot_see_a_transcript_of_a_candidate_not_theirs(demo):
    achieve(demo, JO, "M01", date(2026, 11, 2))
    url = transcript_url(demo, JO)
    refused = page(demo, OTHER_ASSESSOR, url)
    assert refused.status_code == 404
    assert "<td>M01</td>" not in refused.get_data(as_text=True)
    # Jo's own assessor still can.
    assert page(demo, "assessor@northmoor.example", url).status_code == 200


class Member:
    def __init__(self, user_id: int, role: str):
        self.user_id, self.role = user_id, role


class FakeCohort:
    members = (Member(1, "candidate"), Member(2, "assessor"), Member(3, "tutor"), Member(4, "iqa"))


@pytest.mark.parametrize(
    ("user", "allocated", "allowed"),
    [
        (Viewer(1, Role.CANDIDATE), 2, True),  # the candidate
        (Viewer(2, Role.ASSESSOR), 2, True),  # their assessor
        (Viewer(2, Role.ASSESSOR), 5, False),  # an assessor of the cohort, not theirs
        (Viewer(3, Role.ASSESSOR), 2, True),  # a tutor of the cohort
        (Viewer(4, Role.IQA), 2, True),
        (Viewer(6, Role.COURSE_LEADER), 2, True),
        (Viewer(7, Role.CANDIDATE), 2, False),
    ],
)
def test_transcript_predicate_as_a_table(user, allocated, allowed):
    members = {m.user_id: frozenset({m.role}) for m in FakeCohort.members}
    roles = CohortRoles(cohort_id=1, candidate_id=1, allocated_assessor_id=allocated, members=members)
    assert can_view_transcript(user, roles) is allowed
