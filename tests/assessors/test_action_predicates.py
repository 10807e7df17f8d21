"""The `*_now` predicates as tables: role x state -> allowed (no database: the context is built by hand)."""

from __future__ import annotations

import pytest

from assessors import permissions
from assessors.marking.models import MarkingStatus
from core.accounts.models import Role
from qualification.cohorts.models import CohortRoles
from tests.support.people import Viewer

S = MarkingStatus
CANDIDATE_ID, ASSESSOR_ID, IQA_ID, MAKER_IQA_ID = 1, 2, 3, 4


class Decision:
    """An assessment as far as the predicates read it."""

    def __init__(self, state: MarkingStatus, *, completed_by: int = ASSESSOR_ID, sampled: bool = False):
        self.status, self.completed_by_id, self.sampled = state, completed_by, sampled
        self.candidate_id, self.cohort_id = CANDIDATE_ID, 10


COHORT = CohortRoles(
    cohort_id=10,
    candidate_id=CANDIDATE_ID,
    allocated_assessor_id=ASSESSOR_ID,
    members={
        CANDIDATE_ID: frozenset({"candidate"}),
        ASSESSOR_ID: frozenset({"assessor"}),
        IQA_ID: frozenset({"iqa"}),
        MAKER_IQA_ID: frozenset({"iqa", "assessor"}),
    },
)
PEOPLE = {
    "assessor": Viewer(ASSESSOR_ID, Role.ASSESSOR),
    "other assessor": Viewer(9, Role.ASSESSOR),
    "iqa": Viewer(IQA_ID, Role.IQA),
    "iqa who decided": Viewer(MAKER_IQA_ID, Role.IQA, Role.ASSESSOR),
    "iqa of another cohort": Viewer(8, Role.IQA),
    "leader": Viewer(6, Role.COURSE_LEADER),
    "candidate": Viewer(CANDIDATE_ID, Role.CANDIDATE),
}
ALL_STATES = tuple(S)
DECIDED = (S.MARKING_COMPLETE, S.READY_FOR_RELEASE, S.RELEASED)


@pytest.fixture(autouse=True)
def _no_database(monkeypatch):
    """The context and the two look-ups the predicates make, as this table says."""
    monkeypatch.setattr(permissions, "roles_of_assessment", lambda _a: COHORT)
    monkeypatch.setattr(permissions, "later_work", lambda a: getattr(a, "later", None))
    monkeypatch.setattr(permissions, "withdrawn_subject", lambda a: getattr(a, "withdrawn", False))


def decision_by(who: str, state: MarkingStatus) -> Decision:
    return Decision(state, completed_by=MAKER_IQA_ID if who == "iqa who decided" else ASSESSOR_ID)


# who -> the states in which each action is allowed
REOPEN = {"iqa": DECIDED, "leader": DECIDED}
RELEASE = dict.fromkeys(("assessor", "iqa", "iqa who decided", "leader"), (S.READY_FOR_RELEASE,))
REVIEW = {"iqa": (S.IN_IQA_REVIEW,)}
SAMPLE = {"iqa": (S.READY_FOR_RELEASE,)}


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("who", PEOPLE)
def test_reopen_release_review_sample_as_a_table(who, state):
    user, decision = PEOPLE[who], decision_by(who, state)
    assert permissions.can_reopen_now(user, decision) is (state in REOPEN.get(who, ()))
    assert permissions.can_release_now(user, decision) is (state in RELEASE.get(who, ()))
    assert permissions.can_review_now(user, decision) is (state in REVIEW.get(who, ()))
    assert permissions.can_sample_now(user, decision) is (state in SAMPLE.get(who, ()))


@pytest.mark.parametrize("who", ["iqa", "leader"])
def test_nobody_reopens_a_released_decision_once_later_work_arrived(who):
    released = Decision(S.RELEASED)
    assert permissions.can_reopen_now(PEOPLE[who], released)
    released.later = "attempt 2 of M01"
    assert not permissions.can_reopen_now(PEOPLE[who], released)
    ready = Decision(S.READY_FOR_RELEASE)
    ready.later = "attempt 2 of M01"  # only a released decision is held by later work
    assert permissions.can_reopen_now(PEOPLE[who], ready)


@pytest.mark.parametrize("who", ["assessor", "iqa", "leader"])
def test_nobody_releases_a_withdrawn_attempt(who):
    ready = Decision(S.READY_FOR_RELEASE)
    ready.withdrawn = True
    assert not permissions.can_release_now(PEOPLE[who], ready)


def test_a_decision_already_sampled_is_not_sampled_again():
    assert not permissions.can_sample_now(PEOPLE["iqa"], Decision(S.READY_FOR_RELEASE, sampled=True))


@pytest.mark.parametrize(
    ("who", "held"),
    [
        ("assessor", {"assessor", "allocated_assessor"}),
        ("other assessor", set()),
        ("iqa who decided", {"iqa", "assessor"}),
        ("candidate", {"candidate"}),
    ],
)
def test_the_context_names_each_persons_roles_in_the_cohort(who, held):
    assert COHORT.roles_of(PEOPLE[who]) == held
