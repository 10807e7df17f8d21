"""The rules moved into assessors/permissions.py by the review, as plain tables (no database)."""

from __future__ import annotations

import pytest

from assessors.permissions import can_read_workplace, can_see_observation, can_use_queue
from core.accounts.models import Role
from qualification.cohorts.models import CohortRoles
from tests.support.people import Viewer

# The predicates moved into permissions.py ---------------------------------------------------------------


class Thing:
    candidate_id = 1


ASSESSOR, IQA_PERSON, LEADER_PERSON, CANDIDATE = (
    Viewer(2, Role.ASSESSOR),
    Viewer(3, Role.IQA),
    Viewer(4, Role.COURSE_LEADER),
    Viewer(1, Role.CANDIDATE),
)


@pytest.mark.parametrize(
    ("user", "allocated", "iqas", "reads"),
    [
        (ASSESSOR, {2}, set(), True),
        (ASSESSOR, {9}, set(), False),  # another candidate's assessor
        (IQA_PERSON, {2}, {3}, True),
        (IQA_PERSON, {2}, {8}, False),  # an IQA of another cohort
        (LEADER_PERSON, {2}, set(), True),
        (CANDIDATE, {2}, set(), False),  # the candidate has their own page
    ],
)
def test_workplace_predicates_as_a_table(user, allocated, iqas, reads):
    cohort = CohortRoles(
        cohort_id=1,
        candidate_id=1,
        allocated_assessor_id=next(iter(allocated)),
        members={uid: frozenset({"iqa"}) for uid in iqas},
    )
    assert can_read_workplace(user, 1, [cohort]) is reads
    # Observations: the candidate reads their own too.
    assert can_see_observation(user, Thing(), cohort) is (reads or user is CANDIDATE)


def test_only_assessors_use_the_queue():
    assert [can_use_queue(u) for u in (ASSESSOR, IQA_PERSON, LEADER_PERSON, CANDIDATE)] == [
        True,
        False,
        False,
        False,
    ]
