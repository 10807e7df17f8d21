"""Columns of the course leader's cohort report that belong to this package and the portfolio: one GROUP BY
each, registered by the composition root (qualification cannot import them)."""

from __future__ import annotations

from sqlalchemy import func, select

from assessors.models import Assessment, MarkingState
from core.extensions import db
from portfolio.models import Submission, SubmissionStatus


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
            .where(Assessment.cohort_id == cohort_id, Assessment.state == MarkingState.RELEASED)
            .group_by(Assessment.candidate_id)
        ).all()
    )


COHORT_REPORT_COUNTS = [
    ("waiting", "Submissions waiting", submissions_waiting),
    ("released", "Decisions released", decisions_released),
]
