"""The Unallocated counts look for candidates with no assessor only in cohorts whose counts say there is one
(assessors/queue/queries/allocated.py): the same answer as asking every candidate, whoever has withdrawn."""

from __future__ import annotations

from sqlalchemy import delete, exists, select, update

from assessors.queue.queries.unallocated import unallocated_by_candidate, unallocated_counts
from core.accounts.models import User
from core.extensions import db
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole, MemberStatus
from tests.support.demo import demo_fixture
from tests.support.marking import load_marking_demo
from tests.support.people import CHRIS, JO, MORGAN

demo = demo_fixture(load_marking_demo)


def _ids(*emails: str) -> list[int]:
    return [db.session.scalar(select(User.id).where(User.email == e)) for e in emails]


def _unallocated_candidates(cohort_id: int) -> set[int]:
    """By brute force: the cohort's candidates who have not withdrawn and have no allocation."""
    m, al = CohortMember, AssessorAllocation
    return set(
        db.session.scalars(
            select(m.user_id).where(
                m.cohort_id == cohort_id,
                m.role == MemberRole.CANDIDATE,
                m.status != MemberStatus.WITHDRAWN,
                ~exists().where(al.cohort_id == m.cohort_id, al.candidate_id == m.user_id),
            )
        )
    )


def _withdraw(cohort_id: int, user_id: int) -> None:
    db.session.execute(
        update(CohortMember)
        .where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id)
        .values(status=MemberStatus.WITHDRAWN)
    )


def _unallocate(cohort_id: int, user_id: int) -> None:
    db.session.execute(
        delete(AssessorAllocation).where(
            AssessorAllocation.cohort_id == cohort_id, AssessorAllocation.candidate_id == user_id
        )
    )


def test_unallocated_counts_match_the_candidates_with_no_assessor_whoever_withdrew(demo):
    app = demo
    with app.app_context():
        cohort = db.session.scalars(select(Cohort.id)).one()
        jo, chris, morgan = _ids(JO, CHRIS, MORGAN)
        # Everyone allocated: nothing waits with nobody.
        assert _unallocated_candidates(cohort) == set()
        assert unallocated_counts([cohort]) == {}
        # A withdrawn candidate keeps their allocation: still nobody unallocated (as many allocations as
        # candidates who have not withdrawn, once the withdrawn one's is left out).
        _withdraw(cohort, chris)
        assert _unallocated_candidates(cohort) == set()
        assert unallocated_counts([cohort]) == {}
        # Jo loses her assessor: her waiting work (modules that need an observation planned) is counted.
        _unallocate(cohort, jo)
        assert _unallocated_candidates(cohort) == {jo}
        by_candidate = unallocated_by_candidate(cohort)
        assert set(by_candidate) == {jo}
        assert by_candidate[jo] > 0
        assert unallocated_counts([cohort]) == {cohort: by_candidate[jo]}
        # The withdrawn candidate without an allocation either: still only Jo's work.
        _unallocate(cohort, chris)
        assert unallocated_by_candidate(cohort) == by_candidate
        # Morgan too, and Jo withdraws: Morgan's work alone.
        _unallocate(cohort, morgan)
        _withdraw(cohort, jo)
        assert _unallocated_candidates(cohort) == {morgan}
        assert set(unallocated_by_candidate(cohort)) == {morgan}
        db.session.rollback()
