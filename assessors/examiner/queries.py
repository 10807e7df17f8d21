"""The external examiner's home panel: the samples shared with them that are still open, and until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from assessors.quality.models import ExaminerAccess, ExaminerSampleCandidate
from core.accounts.models import Role
from core.db.timeutil import uk_today
from core.extensions import db
from qualification.cohorts.models import Cohort


@dataclass(frozen=True)
class SharedSample:
    cohort: str
    candidates: int
    ends_on: date


def shared_samples(examiner_id: int, today: date) -> list[SharedSample]:
    """The examiner's grants neither revoked nor past their end date, soonest to end first (one query)."""
    rows = db.session.execute(
        select(Cohort.name, func.count(ExaminerSampleCandidate.id), ExaminerAccess.ends_on)
        .select_from(ExaminerAccess)
        .join(Cohort, Cohort.id == ExaminerAccess.cohort_id)
        .outerjoin(ExaminerSampleCandidate, ExaminerSampleCandidate.access_id == ExaminerAccess.id)
        .where(
            ExaminerAccess.examiner_id == examiner_id,
            ExaminerAccess.revoked_at.is_(None),
            ExaminerAccess.ends_on >= today,
        )
        .group_by(ExaminerAccess.id, Cohort.name, ExaminerAccess.ends_on)
        .order_by(ExaminerAccess.ends_on, ExaminerAccess.id)
    )
    return [SharedSample(name, count, ends_on) for name, count, ends_on in rows]


def examiner_panel(user) -> dict | None:
    """For an external examiner: the samples shared with them now."""
    if not user.has_role(Role.EXAMINER):
        return None
    return {"template": "assessors/examiner/_home_panel.html", "samples": shared_samples(user.id, uk_today())}
