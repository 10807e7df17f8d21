"""Internal quality assurance: the cohort's sampling plan, its coverage report, and the IQA's work list.

The plan's rules are applied by assessors.sampling when a decision is completed; here the IQA (or the course
leader) keeps the plan, marks trainee assessors, and reads how much of each assessor's, module's and decision
type's work was sampled. The coverage report is three GROUP BY queries whatever the cohort's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from assessors.marking.models import Assessment, AssessmentKind, Decision, IqaReview, MarkingStatus
from assessors.permissions import can_manage_sampling, quality_role
from assessors.quality.models import SamplingPlan, TraineeAssessor
from assessors.quality.rules import DEFAULT_RULES, plan_of
from assessors.queries import cohort_members
from core.accounts.models import Role, User
from core.audit.services import record
from core.db.rows import added
from core.db.timeutil import utcnow
from core.errors import EditConflict, ValidationFailed, require
from core.extensions import db
from qualification.cohorts.models import Cohort, MemberRole
from qualification.cohorts.queries import cohort_roles, iqa_cohort_ids
from qualification.permissions import can_manage_cohort

WORK_LIST_LIMIT = 200
STALE_PLAN = (
    "Someone else changed this sampling plan since you opened it. Your choices are still in the form "
    "below; check the plan as it is now, then save again."
)


def quality_cohort_ids(user) -> list[int] | None:
    """The cohorts whose decisions the person quality-assures; None means every cohort (course leader)."""
    if can_manage_cohort(user):
        return None
    if not user.has_role(Role.IQA):
        return []
    return iqa_cohort_ids(user.id)


def cohort_for_sampling(user, cohort_id: int) -> Cohort | None:
    """The cohort, when the person keeps its sampling plan; None (a 404) otherwise."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_manage_sampling(user, cohort_roles(cohort.id)):
        return None
    return cohort


def quality_cohorts(user) -> list[Cohort]:
    """The cohorts the person can keep a sampling plan for, by name."""
    ids = quality_cohort_ids(user)
    query = select(Cohort).order_by(Cohort.name, Cohort.id)
    if ids is not None:
        query = query.where(Cohort.id.in_(ids))
    return list(db.session.scalars(query))


# The plan --------------------------------------------------------------------------------------------


def cohort_assessors(cohort_id: int) -> list[User]:
    """The cohort's assessors, by name."""
    return cohort_members(cohort_id, MemberRole.ASSESSOR)


def trainee_ids(cohort_id: int) -> set[int]:
    """The cohort's assessors in training."""
    return set(
        db.session.scalars(select(TraineeAssessor.assessor_id).where(TraineeAssessor.cohort_id == cohort_id))
    )


@dataclass(frozen=True)
class PlanValues:
    """What the plan form holds; also what a new plan starts from."""

    base_percent: int
    first_decisions: int
    all_apl: bool
    all_referrals: bool
    all_trainees: bool
    trainees: frozenset[int]
    version: int  # 0 while the cohort has no plan of its own


def plan_values(cohort_id: int) -> PlanValues:
    """The cohort's plan as the form shows it (the defaults until the IQA saves one)."""
    plan = plan_of(cohort_id)
    rules = plan or DEFAULT_RULES
    return PlanValues(
        rules.base_percent,
        rules.first_decisions,
        rules.all_apl,
        rules.all_referrals,
        rules.all_trainees,
        frozenset(trainee_ids(cohort_id)),
        plan.version if plan else 0,
    )


def _check_plan(values: PlanValues, assessor_ids: set[int]) -> None:
    errors = {}
    if values.base_percent is None or not 0 <= values.base_percent <= 100:
        errors["base_percent"] = "Enter a percentage from 0 to 100."
    if values.first_decisions is None or not 0 <= values.first_decisions <= 100:
        errors["first_decisions"] = "Enter a number of decisions from 0 to 100."
    if not values.trainees <= assessor_ids:
        errors["trainees"] = "Only the cohort's assessors can be marked as trainees."
    if errors:
        raise ValidationFailed(errors)


def save_sampling_plan(actor, cohort: Cohort, values: PlanValues) -> bool:
    """Write the cohort's sampling plan and its trainee assessors; False when nothing changed."""
    require(
        can_manage_sampling(actor, cohort_roles(cohort.id)), "Only the cohort's IQA or the course leader."
    )
    _check_plan(values, {u.id for u in cohort_assessors(cohort.id)})
    before = plan_values(cohort.id)
    if values.version != before.version:
        raise EditConflict(STALE_PLAN)
    if values == before:
        return False
    plan = plan_of(cohort.id)
    if plan is None:
        plan = SamplingPlan(cohort_id=cohort.id)
        # Two IQAs saving the cohort's first plan at once: the unique cohort lets exactly one create it.
        if not added(plan):
            raise EditConflict(STALE_PLAN)
    plan.base_percent = values.base_percent
    plan.first_decisions = values.first_decisions
    plan.all_apl = values.all_apl
    plan.all_referrals = values.all_referrals
    plan.all_trainees = values.all_trainees
    # Always touched, so a change of trainees alone also moves the version a stale form is checked against.
    plan.updated_at = utcnow()
    for assessor_id in values.trainees - before.trainees:
        db.session.add(TraineeAssessor(cohort_id=cohort.id, assessor_id=assessor_id))
    gone = before.trainees - values.trainees
    if gone:
        for row in db.session.scalars(
            select(TraineeAssessor).where(
                TraineeAssessor.cohort_id == cohort.id, TraineeAssessor.assessor_id.in_(gone)
            )
        ):
            db.session.delete(row)
    db.session.flush()

    def shown(v: PlanValues) -> dict:
        return {
            "base_percent": v.base_percent,
            "first_decisions": v.first_decisions,
            "all_apl": v.all_apl,
            "all_referrals": v.all_referrals,
            "all_trainees": v.all_trainees,
            "trainees": sorted(v.trainees),
        }

    record(
        "sampling_plan_changed",
        actor=actor,
        actor_role=quality_role(actor, cohort_roles(cohort.id)).value,
        obj=plan,
        details={"cohort_id": cohort.id, "before": shown(before), "after": shown(values)},
    )
    return True


# Coverage --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    label: str
    completed: int
    sampled: int
    agreed: int
    returned: int

    @property
    def percent(self) -> int:
        return round(100 * self.sampled / self.completed) if self.completed else 0


@dataclass(frozen=True)
class Coverage:
    by_assessor: list[CoverageRow]
    by_module: list[CoverageRow]
    by_type: list[CoverageRow]

    @property
    def total(self) -> CoverageRow:
        rows = self.by_assessor
        return CoverageRow(
            "All decisions",
            sum(r.completed for r in rows),
            sum(r.sampled for r in rows),
            sum(r.agreed for r in rows),
            sum(r.returned for r in rows),
        )


def _coverage_query(cohort_id: int, *keys):
    verdicts = (
        select(
            IqaReview.assessment_id.label("assessment_id"),
            func.count(IqaReview.id).filter(IqaReview.verdict == "agree").label("agreed"),
            func.count(IqaReview.id).filter(IqaReview.verdict == "return").label("returned"),
        )
        .group_by(IqaReview.assessment_id)
        .subquery()
    )
    return (
        select(
            *keys,
            func.count(Assessment.id),
            func.count(Assessment.id).filter(Assessment.sampled.is_(True)),
            func.coalesce(func.sum(verdicts.c.agreed), 0),
            func.coalesce(func.sum(verdicts.c.returned), 0),
        )
        .select_from(Assessment)
        .outerjoin(verdicts, verdicts.c.assessment_id == Assessment.id)
        # A decision counts once its assessor has completed it, even if it was since returned or reopened.
        .where(Assessment.cohort_id == cohort_id, Assessment.completed_by_id.is_not(None))
        .group_by(*keys)
        .order_by(*keys)
    )


def _type_label(kind: str, decision: str | None) -> str:
    subject = "APL claim" if kind == AssessmentKind.APL else "Submission"
    return f"{subject}: {Decision(decision).label.lower()}" if decision else f"{subject}: no decision"


def coverage(cohort_id: int) -> Coverage:
    """Decisions completed, sampled, agreed and returned in the cohort, by assessor, module and type."""
    assessor = aliased(User)
    by_assessor = db.session.execute(
        _coverage_query(cohort_id, assessor.name, assessor.id).join(
            assessor, assessor.id == Assessment.completed_by_id
        )
    )
    by_module = db.session.execute(_coverage_query(cohort_id, Assessment.module_code))
    by_type = db.session.execute(_coverage_query(cohort_id, Assessment.kind, Assessment.decision))
    return Coverage(
        [CoverageRow(r[0], *r[2:]) for r in by_assessor],
        [CoverageRow(r[0], *r[1:]) for r in by_module],
        [CoverageRow(_type_label(r[0], r[1]), *r[2:]) for r in by_type],
    )


# The IQA's work list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkItem:
    assessment: Assessment
    candidate: str
    assessor: str
    cohort: str


def _work(cohort_ids: list[int] | None, *conditions, order) -> list[WorkItem]:
    candidate, assessor = aliased(User), aliased(User)
    query = (
        select(Assessment, candidate.name, assessor.name, Cohort.name)
        .join(candidate, candidate.id == Assessment.candidate_id)
        .outerjoin(assessor, assessor.id == Assessment.completed_by_id)
        .join(Cohort, Cohort.id == Assessment.cohort_id)
        .where(*conditions)
        .order_by(*order, Assessment.id)
        .limit(WORK_LIST_LIMIT)
    )
    if cohort_ids is not None:
        query = query.where(Assessment.cohort_id.in_(cohort_ids))
    return [WorkItem(a, c or "", s or "", n) for a, c, s, n in db.session.execute(query)]


def iqa_work(user) -> tuple[list[WorkItem], list[WorkItem]]:
    """Decisions waiting for IQA review (oldest first), and ready ones the rules did not sample."""
    ids = quality_cohort_ids(user)
    if ids == []:
        return [], []
    waiting = _work(ids, Assessment.status == MarkingStatus.IN_IQA_REVIEW, order=(Assessment.completed_at,))
    unsampled = _work(
        ids,
        Assessment.status == MarkingStatus.READY_FOR_RELEASE,
        Assessment.sampled.is_(False),
        order=(Assessment.completed_at,),
    )
    return waiting, unsampled
