"""The IQA's home panel: how many decisions wait for their review, and how many they could still sample."""

from __future__ import annotations

from sqlalchemy import and_, case, func, select

from assessors.marking.models import Assessment, MarkingStatus
from assessors.quality.services import quality_cohort_ids
from core.accounts.models import Role
from core.extensions import db


def iqa_counts(cohort_ids: list[int] | None) -> tuple[int, int]:
    """(decisions in IQA review, completed decisions ready for release that were not sampled) in these
    cohorts (None: every cohort), as the IQA work list counts them (one query)."""
    waiting = case((Assessment.status == MarkingStatus.IN_IQA_REVIEW, 1), else_=0)
    unsampled = case(
        (and_(Assessment.status == MarkingStatus.READY_FOR_RELEASE, Assessment.sampled.is_(False)), 1),
        else_=0,
    )
    query = select(func.coalesce(func.sum(waiting), 0), func.coalesce(func.sum(unsampled), 0)).where(
        Assessment.status.in_((MarkingStatus.IN_IQA_REVIEW, MarkingStatus.READY_FOR_RELEASE)),
        Assessment.cohort_id.is_not(None),
    )
    if cohort_ids is not None:
        query = query.where(Assessment.cohort_id.in_(cohort_ids))
    review, could_sample = db.session.execute(query).one()
    return int(review), int(could_sample)


def iqa_panel(user) -> dict | None:
    """For an internal quality assurer: decisions waiting for their review and decisions they could sample."""
    if not user.has_role(Role.IQA):
        return None
    ids = quality_cohort_ids(user)
    review, could_sample = iqa_counts(ids) if ids != [] else (0, 0)
    return {
        "template": "assessors/quality/_home_panel.html",
        "review": review,
        "could_sample": could_sample,
        "cohorts": None if ids is None else len(ids),
    }
