"""Who does what in a cohort, as the assessment rules need it: its IQAs and each candidate's assessor."""

from __future__ import annotations

from sqlalchemy import func, select

from assessors.marking.models import Assessment, MarkingStatus
from core.extensions import db
from portfolio.submissions.models import Submission, SubmissionStatus
from portfolio.submissions.services import active_enrolments, allocated_assessor_id, module_criteria
from qualification.cohorts.models import CohortMember, MemberRole

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


def submissions_waiting(cohort_id: int) -> dict[int, int]:
    """Per candidate: submitted attempts not yet decided and released."""
    return dict(
        db.session.execute(
            select(Submission.candidate_id, func.count(Submission.id))
            .where(Submission.cohort_id == cohort_id, Submission.status == SubmissionStatus.SUBMITTED)
            .group_by(Submission.candidate_id)
        ).all()
    )


def decisions_released(cohort_id: int) -> dict[int, int]:
    """Per candidate: decisions (on submissions and APL claims) released to them."""
    return dict(
        db.session.execute(
            select(Assessment.candidate_id, func.count(Assessment.id))
            .where(Assessment.cohort_id == cohort_id, Assessment.status == MarkingStatus.RELEASED)
            .group_by(Assessment.candidate_id)
        ).all()
    )


COHORT_REPORT_COUNTS = [
    ("waiting", "Submissions waiting", submissions_waiting),
    ("released", "Decisions released", decisions_released),
]


def modules_of(candidate_id: int) -> list[dict]:
    """The candidate's modules now, each with its criteria as (ref, text)."""
    return [
        {
            "family": e.family,
            "code": e.module_code,
            "title": e.module.title,
            "cohort_id": e.cohort_id,
            "criteria": module_criteria(e.module_id),
        }
        for e in active_enrolments(candidate_id)
    ]
