"""Which cohorts may have candidates with no allocated assessor, worked out from counts alone.

A cohort's Unallocated queue is the work of its candidates (not withdrawn) with no allocation. Finding them
is a probe of the allocations per candidate: it grows with the cohort (20,000 candidates at tier L: 10-20 ms
on either database, for every queue page of an assessor on the cohort's staff, though nearly always nobody is
unallocated). Every allocation is of one of the cohort's candidates (`allocate` checks it; removing a member
removes their allocation; one allocation per candidate), so the cohort has an unallocated candidate exactly
when it has more candidates who have not withdrawn than allocations of such candidates: two counts on
indexes, and a probe per withdrawn candidate. The candidates themselves are then looked for only in such
cohorts (sources.Whose.driver).
"""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from qualification.cohorts.models import AssessorAllocation, CohortMember, MemberRole, MemberStatus


def short_of_assessors(cohort_col):
    """SQL: the cohort (a column: its id) has more candidates who have not withdrawn than allocations of
    them, i.e. at least one such candidate with no allocated assessor."""
    m, gone, al = aliased(CohortMember), aliased(CohortMember), AssessorAllocation
    candidates = (
        select(func.count())
        .select_from(m)
        .where(m.cohort_id == cohort_col, m.role == MemberRole.CANDIDATE, m.status != MemberStatus.WITHDRAWN)
        .scalar_subquery()
    )
    allocations = select(func.count()).select_from(al).where(al.cohort_id == cohort_col).scalar_subquery()
    # Allocations of withdrawn candidates stay (their work is kept, in no queue): not counted.
    of_withdrawn = (
        select(func.count())
        .select_from(gone)
        .where(
            gone.cohort_id == cohort_col,
            gone.role == MemberRole.CANDIDATE,
            gone.status == MemberStatus.WITHDRAWN,
            exists().where(al.cohort_id == gone.cohort_id, al.candidate_id == gone.user_id),
        )
        .scalar_subquery()
    )
    return candidates > allocations - of_withdrawn
