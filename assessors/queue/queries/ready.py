"""Decisions on an assessor's candidates ready for release (the queue page, the assessor's home panel)."""

from __future__ import annotations

from sqlalchemy import and_, exists, func, select

from assessors.marking.models import Assessment, MarkingStatus
from assessors.queue.queries.sources import allocated
from core.accounts.models import User
from core.extensions import db
from portfolio.submissions.models import Submission, SubmissionStatus


def _mine_ready(assessor_id: int):
    """SQL: a decision on one of the assessor's candidates, ready for release (its attempt not withdrawn)."""
    withdrawn = Submission.status == SubmissionStatus.WITHDRAWN
    return and_(
        Assessment.status == MarkingStatus.READY_FOR_RELEASE,
        allocated(assessor_id, Assessment.cohort_id, Assessment.candidate_id),
        ~exists().where(Submission.id == Assessment.submission_id, withdrawn),
    )


def ready_decisions(assessor_id: int, limit: int = 200) -> list[tuple[Assessment, str]]:
    """Decisions on the assessor's candidates ready for release, with the candidate's name, oldest first."""
    return [
        (assessment, name)
        for assessment, name in db.session.execute(
            select(Assessment, User.name)
            .join(User, User.id == Assessment.candidate_id)
            .where(_mine_ready(assessor_id))
            .order_by(Assessment.completed_at, Assessment.id)
            .limit(limit)
        )
    ]


def released_among(assessor_id: int, ids: set[int]) -> int:
    """How many of these decisions on the assessor's candidates are already released (by anyone)."""
    if not ids:
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(Assessment)
        .where(
            Assessment.id.in_(ids),
            Assessment.status == MarkingStatus.RELEASED,
            allocated(assessor_id, Assessment.cohort_id, Assessment.candidate_id),
        )
    )


def ready_count(assessor_id: int) -> int:
    """How many of the assessor's decisions are ready for release (one query)."""
    return db.session.scalar(select(func.count()).select_from(Assessment).where(_mine_ready(assessor_id)))
