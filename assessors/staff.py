"""Who does what in a cohort, as the assessment rules need it: its IQAs and each candidate's assessor."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from portfolio.submissions import allocated_assessor_id
from qualification.models import CohortMember, MemberRole

__all__ = ["allocated_assessor_id", "iqa_cohort_ids", "iqa_ids"]


def iqa_ids(cohort_id: int | None) -> set[int]:
    """The people who are internal quality assurers of the cohort."""
    if cohort_id is None:
        return set()
    return set(
        db.session.scalars(
            select(CohortMember.user_id).where(
                CohortMember.cohort_id == cohort_id, CohortMember.role == MemberRole.IQA
            )
        )
    )


def iqa_cohort_ids(user_id: int) -> list[int]:
    """The cohorts the person is an internal quality assurer of."""
    return list(
        db.session.scalars(
            select(CohortMember.cohort_id)
            .where(CohortMember.user_id == user_id, CohortMember.role == MemberRole.IQA)
            .order_by(CohortMember.cohort_id)
        )
    )
