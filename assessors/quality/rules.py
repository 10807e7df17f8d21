"""Which completed decisions the IQA samples: the cohort's plan as rules, and the counts they read.

`sample_reasons` is pure. The base percentage is a floor on each assessor's coverage in the cohort (a
decision is sampled while fewer than that share of their decisions so far have been), so coverage never
falls below the plan however decisions arrive; the risk rules sample regardless.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select

from assessors.marking.models import Assessment, AssessmentKind, Decision
from assessors.quality.models import SamplingPlan, TraineeAssessor
from core.extensions import db


@dataclass(frozen=True)
class PlanRules:
    base_percent: int = 10
    first_decisions: int = 5
    all_apl: bool = True
    all_referrals: bool = True
    all_trainees: bool = True


DEFAULT_RULES = PlanRules()
# A referral, and an APL claim not accepted in full, are the decisions a candidate is most likely to appeal.
ADVERSE = frozenset({Decision.REFERRED, Decision.REJECTED, Decision.PARTLY_ACCEPTED, Decision.MORE_EVIDENCE})


@dataclass(frozen=True)
class AssessorRecord:
    """An assessor's completed decisions in the cohort before this one, and how many were sampled."""

    decided: int
    sampled: int
    trainee: bool


def sample_reasons(rules: PlanRules, kind: str, decision: str, record: AssessorRecord) -> list[str]:
    """Why this decision must be sampled (empty: it goes straight to ready for release)."""
    reasons = []
    if record.decided < rules.first_decisions:
        reasons.append(f"one of the assessor's first {rules.first_decisions} decisions")
    if rules.all_apl and kind == AssessmentKind.APL:
        reasons.append("every APL claim is sampled")
    if rules.all_referrals and decision in ADVERSE:
        reasons.append("every referral is sampled")
    if rules.all_trainees and record.trainee:
        reasons.append("the assessor is a trainee")
    if record.sampled < math.ceil(rules.base_percent * (record.decided + 1) / 100):
        reasons.append(f"{rules.base_percent}% of each assessor's decisions are sampled")
    return reasons


def plan_of(cohort_id: int | None) -> SamplingPlan | None:
    """The cohort's sampling plan, if one has been written."""
    if cohort_id is None:
        return None
    return db.session.scalar(select(SamplingPlan).where(SamplingPlan.cohort_id == cohort_id))


def rules_of(cohort_id: int | None) -> PlanRules:
    """The rules the cohort's plan sets, or the defaults until its IQA writes one."""
    plan = plan_of(cohort_id)
    if plan is None:
        return DEFAULT_RULES
    return PlanRules(
        plan.base_percent, plan.first_decisions, plan.all_apl, plan.all_referrals, plan.all_trainees
    )


def assessor_record(cohort_id: int | None, assessor_id: int, excluding: int) -> AssessorRecord:
    """The assessor's completed decisions in the cohort so far (not counting this one)."""
    row = db.session.execute(
        select(
            func.count(Assessment.id), func.count(Assessment.id).filter(Assessment.sampled.is_(True))
        ).where(
            Assessment.cohort_id == cohort_id,
            Assessment.completed_by_id == assessor_id,
            Assessment.completed_at.is_not(None),
            Assessment.id != excluding,
        )
    ).one()
    trainee = db.session.scalar(
        select(TraineeAssessor.id).where(
            TraineeAssessor.cohort_id == cohort_id, TraineeAssessor.assessor_id == assessor_id
        )
    )
    return AssessorRecord(decided=row[0], sampled=row[1], trainee=trainee is not None)
