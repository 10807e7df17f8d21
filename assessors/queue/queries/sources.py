"""The SQL behind the assessor's queue: each kind of work as one branch of a keyset-paged UNION ALL.

Four kinds of work: submitted attempts of the candidates allocated to the assessor (not started, being
marked, or returned by the IQA), submitted APL claims of those candidates that no round has decided yet,
planned observations of those candidates still to write up, and modules those candidates study that
still need an observation planned. Every branch follows the allocation, so reallocating a candidate (or
removing their assessor from the cohort) moves all their waiting work, a planned visit included. The same
branches, for the candidates of a cohort with no allocated assessor, make the cohort's Unallocated queue.
Each branch is filtered, ordered and limited on the page key
(waiting_since, kind, id), so a page reads at most `PAGE_SIZE + 1` rows of each branch and never scans with
OFFSET, however long the queue. assessors/queue.py merges the branches and builds the page.

A withdrawn candidate's work is in no queue (it is kept, unjudged). A candidate's break in learning stops
the clock of their work: `Cutoffs` holds their own overdue moment (none while they are away).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    type_coerce,
)
from sqlalchemy.orm import aliased

from assessors.marking.models import QUEUE_STATUSES, Assessment, MarkingStatus
from assessors.queue.rules import Turnaround
from assessors.workplace.models import Observation, ObservationStatus
from core.db.timeutil import UTCDateTime
from core.extensions import db
from modules.catalogue.models import AssessmentCriterion, AssessmentMethod, CriterionMethod, LearningOutcome
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.submissions.models import Submission, SubmissionStatus
from qualification.cohorts.models import AssessorAllocation
from qualification.membership.queries import withdrawn
from qualification.results.models import CriterionOutcome, CriterionResult

PAGE_SIZE = 50
KIND_LABELS = {
    "submission": "Submission",
    "resubmission": "Resubmission",
    "iqa_return": "IQA return",
    "apl": "APL claim",
    "apl_return": "APL claim, IQA return",
    "observation": "Observation to write up",
    "observation_plan": "Observation to plan",
}
# What the kind filter offers, and the row kinds each choice covers.
KIND_FILTERS = {
    "submission": ("submission",),
    "resubmission": ("resubmission",),
    "iqa_return": ("iqa_return", "apl_return"),
    "apl": ("apl", "apl_return"),
    "observation": ("observation",),
    "observation_plan": ("observation_plan",),
}
# Kinds with no turnaround target: a module waits for an observation to be planned from the day the
# candidate enrolled on it, which is no judgement the cohort's turnaround target (for marking) applies to.
# These rows show the days they have waited but are never overdue (and never in the "overdue" filter).
UNTIMED_KINDS = ("observation_plan",)
DECIDED = (MarkingStatus.MARKING_COMPLETE, MarkingStatus.IN_IQA_REVIEW, MarkingStatus.READY_FOR_RELEASE)
# An observation of the module that is planned, or has been: no need to plan another.
OBSERVED = (ObservationStatus.PLANNED, ObservationStatus.RECORDED, ObservationStatus.ACKNOWLEDGED)
DONE = (CriterionOutcome.MET, CriterionOutcome.MET_BY_APL)


@dataclass(frozen=True)
class QueueFilters:
    cohort_id: int | None = None
    module_code: str | None = None
    kind: str | None = None  # a key of KIND_FILTERS
    overdue: bool = False
    newest_first: bool = False


@dataclass(frozen=True)
class Cursor:
    waiting_since: datetime
    kind: str
    id: int
    backwards: bool = False  # "Previous": the page that ends just before this key


def uk_start_of_day(day_column):
    """SQL for midnight UK time at the start of a DATE column, as a stored UTC datetime."""
    if db.engine.dialect.name == "postgresql":
        return func.timezone("Europe/London", cast(day_column, db.DateTime))
    # SQLite has no time zones: British Summer Time runs from the last Sunday of March to the last Sunday
    # of October (both on or after the 25th), and the clocks change after midnight on those Sundays.
    year = func.substr(day_column, 1, 4, type_=String)
    bst = and_(
        day_column > func.date(year + "-03-25", "weekday 0"),
        day_column <= func.date(year + "-10-25", "weekday 0"),
    )
    stored = "%Y-%m-%d %H:%M:%S.000000"  # how SQLAlchemy stores DateTime in SQLite
    return case((bst, func.strftime(stored, day_column, "-1 hour")), else_=func.strftime(stored, day_column))


def allocated(assessor_id: int, cohort_col, candidate_col):
    """SQL: the candidate is allocated to this assessor in the cohort."""
    return exists().where(
        AssessorAllocation.assessor_id == assessor_id,
        AssessorAllocation.cohort_id == cohort_col,
        AssessorAllocation.candidate_id == candidate_col,
    )


@dataclass(frozen=True)
class Whose:
    """Whose work the branches list: one assessor's (their allocated candidates'), or, with `cohort_ids`, the
    work of candidates in those cohorts who have no allocated assessor (the Unallocated queue)."""

    assessor_id: int | None = None
    cohort_ids: tuple[int, ...] = ()

    def owns(self, cohort_col, candidate_col):
        """SQL: the row (of this candidate in this cohort) is this queue's: never a withdrawn candidate's."""
        still = ~withdrawn(cohort_col, candidate_col)
        if self.assessor_id is not None:
            return and_(allocated(self.assessor_id, cohort_col, candidate_col), still)
        nobody = ~exists().where(
            AssessorAllocation.cohort_id == cohort_col, AssessorAllocation.candidate_id == candidate_col
        )
        return and_(cohort_col.in_(self.cohort_ids), nobody, still)


@dataclass(frozen=True)
class Cutoffs:
    """The moments before which waiting work is overdue today: per cohort (its turnaround target), and per
    candidate who has had a break in learning (their break's working days left out; None while they are away,
    when nothing of theirs is overdue)."""

    by_cohort: dict[int | None, datetime]
    by_candidate: dict[tuple[int, int], datetime | None] = field(default_factory=dict)


def cutoffs_for(
    targets: dict[int | None, Turnaround], today: date, breaks: dict[tuple[int, int], list]
) -> Cutoffs:
    """Today's cutoffs of these cohorts (id -> turnaround: target and closure days), and of their candidates
    with breaks."""
    return Cutoffs(
        {cid: turnaround.cutoff(today) for cid, turnaround in targets.items()},
        {key: targets.get(key[0], Turnaround()).cutoff(today, spans) for key, spans in breaks.items()},
    )


def late(cohort_col, candidate_col, waiting, cutoffs: Cutoffs):
    """SQL: the row has waited past its cohort's turnaround target (each cohort has its own cutoff, and a
    candidate back from a break their own)."""
    own = list(cutoffs.by_candidate)
    special = tuple_(cohort_col, candidate_col).in_(own) if own else false()
    found = [
        and_(cohort_col.is_(None) if cid is None else cohort_col == cid, waiting < moment, ~special)
        for cid, moment in cutoffs.by_cohort.items()
    ]
    found += [
        and_(cohort_col == cid, candidate_col == uid, waiting < moment)
        for (cid, uid), moment in cutoffs.by_candidate.items()
        if moment is not None
    ]
    return or_(*found) if found else false()


def paged(query, key, filters: QueueFilters, cursor: Cursor | None, cutoffs: Cutoffs):
    """Filter, order and limit one branch on the page key (waiting_since, kind, id)."""
    waiting, kind, ident, cohort_col, timed, candidate_col = key
    if filters.overdue:
        query = query.where(late(cohort_col, candidate_col, waiting, cutoffs) if timed else false())
    descending = filters.newest_first != bool(cursor and cursor.backwards)
    if cursor is not None:
        at, kind_at, id_at = cursor.waiting_since, cursor.kind, cursor.id
        mark = tuple_(literal(at, UTCDateTime), literal(kind_at, String), literal(id_at, Integer))
        row = tuple_(waiting, kind, ident)
        query = query.where(row < mark if descending else row > mark)
    order = (waiting.desc(), kind.desc(), ident.desc()) if descending else (waiting, kind, ident)
    return query.order_by(*order).limit(PAGE_SIZE + 1).subquery()


_COLUMNS = (
    "kind",
    "id",
    "candidate_id",
    "cohort_id",
    "family",
    "module_code",
    "waiting_since",
    "attempt",
    "assessment_id",
    "status",
)


def _columns(*columns):
    """Every branch's columns, in the same order and under the same names."""
    # The status comes from assessments in some branches and observations in another: as plain text, or
    # the first branch's enum type would try to read an observation's status as a marking status.
    return [
        (type_coerce(c, String) if name == "status" else c).label(name)
        for c, name in zip(columns, _COLUMNS, strict=True)
    ]


def _subject_columns(subject, kind, waiting, attempt, assessment_id, status):
    """The columns of a branch from its subject's row (an attempt, claim, observation or enrolment)."""
    return _columns(
        kind,
        subject.id,
        subject.candidate_id,
        subject.cohort_id,
        subject.family,
        subject.module_code,
        waiting,
        attempt,
        assessment_id,
        status,
    )


def _same_module(row, enrolment):
    """The row is about the enrolment's candidate and module."""
    return and_(
        row.candidate_id == enrolment.candidate_id,
        row.family == enrolment.family,
        row.module_code == enrolment.module_code,
    )


def _typed_null(kind):
    """A typed NULL, or PostgreSQL cannot match it with the other branches' columns."""
    return cast(null(), kind)


def _marking(whose: Whose):
    a = aliased(Assessment)
    kind = case(
        (a.returned_by_iqa.is_(True), "iqa_return"),
        (Submission.attempt > 1, "resubmission"),
        else_="submission",
    )
    waiting = type_coerce(func.coalesce(a.waiting_since, Submission.submitted_at), UTCDateTime)
    s = Submission
    query = (
        select(*_subject_columns(s, kind, waiting, s.attempt, a.id, a.status))
        .outerjoin(a, a.submission_id == s.id)
        .where(
            whose.owns(s.cohort_id, s.candidate_id),
            s.status == SubmissionStatus.SUBMITTED,
            or_(a.id.is_(None), a.status.in_(QUEUE_STATUSES)),
        )
    )
    return query, (waiting, kind, s.id, s.cohort_id, True, s.candidate_id), s.module_code


def _claims(whose: Whose):
    a = aliased(Assessment)
    decided = aliased(Assessment)
    kind = case((a.returned_by_iqa.is_(True), "apl_return"), else_="apl")
    waiting = type_coerce(func.coalesce(a.waiting_since, AplClaim.submitted_at), UTCDateTime)
    c = AplClaim
    query = (
        select(*_subject_columns(c, kind, waiting, a.round, a.id, a.status))
        # At most one round of a claim is open at a time (start_claim_marking reuses it).
        .outerjoin(a, and_(a.apl_claim_id == c.id, a.status.in_(QUEUE_STATUSES)))
        .where(
            whose.owns(c.cohort_id, c.candidate_id),
            c.status == AplStatus.SUBMITTED,
            ~exists().where(decided.apl_claim_id == c.id, decided.status.in_(DECIDED)),
        )
    )
    return query, (waiting, kind, c.id, c.cohort_id, True, c.candidate_id), c.module_code


def _write_ups(whose: Whose):
    # Whoever is allocated the candidate now writes the visit up (recording is theirs: may_assess), not
    # necessarily the assessor who planned it.
    kind = literal("observation", String)
    waiting = type_coerce(uk_start_of_day(Observation.planned_for), UTCDateTime)
    o, none = Observation, _typed_null(Integer)
    query = select(*_subject_columns(o, kind, waiting, none, none, o.status)).where(
        whose.owns(o.cohort_id, o.candidate_id),
        o.status == ObservationStatus.PLANNED,
        ~withdrawn(o.cohort_id, o.candidate_id),
    )
    return query, (waiting, kind, o.id, o.cohort_id, True, o.candidate_id), o.module_code


def _to_plan(whose: Whose):
    """Active enrolments of the assessor's candidates on a module with an observation criterion not yet met,
    and no observation of that module planned, recorded or acknowledged: one row per (candidate, module)."""
    e, result, seen = aliased(ModuleEnrolment), aliased(CriterionResult), aliased(Observation)
    # The (module revision, ref) of every criterion assessed by observation: a handful of rows, worked out
    # once per statement (MATERIALIZED: SQLite then indexes it, instead of walking each module's criteria
    # for every enrolment).
    observable = (
        select(LearningOutcome.module_id.label("module_id"), AssessmentCriterion.ref.label("ref"))
        .join(AssessmentCriterion, AssessmentCriterion.outcome_id == LearningOutcome.id)
        .join(CriterionMethod, CriterionMethod.criterion_id == AssessmentCriterion.id)
        .where(CriterionMethod.method == AssessmentMethod.OBSERVATION)
        .cte("observable_criteria")
        .prefix_with("MATERIALIZED")
    )
    met = (
        select(result.id)
        .where(
            _same_module(result, e),
            result.criterion_ref == observable.c.ref,
            result.outcome.in_(DONE),
        )
        .correlate(e, observable)
    )
    open_criterion = (
        select(observable.c.ref).where(observable.c.module_id == e.module_id, ~met.exists()).correlate(e)
    )
    observed = (
        select(seen.id)
        .where(
            _same_module(seen, e),
            seen.status.in_(OBSERVED),
        )
        .correlate(e)
    )
    kind = literal("observation_plan", String)
    waiting = type_coerce(e.enrolled_at, UTCDateTime)
    none = _typed_null(Integer)
    mine = AssessorAllocation
    query = select(*_subject_columns(e, kind, waiting, none, none, _typed_null(String)))
    if whose.assessor_id is not None:
        # From the assessor's allocations (one per candidate and cohort), not from every enrolment.
        query = (
            query.select_from(mine)
            .join(e, and_(e.candidate_id == mine.candidate_id, e.cohort_id == mine.cohort_id))
            .where(mine.assessor_id == whose.assessor_id, ~withdrawn(e.cohort_id, e.candidate_id))
        )
    else:
        query = query.select_from(e).where(whose.owns(e.cohort_id, e.candidate_id))
    query = query.where(e.status == EnrolmentStatus.ACTIVE, ~observed.exists(), open_criterion.exists())
    return query, (waiting, kind, e.id, e.cohort_id, False, e.candidate_id), e.module_code


_BRANCHES = (
    ({"submission", "resubmission", "iqa_return"}, _marking),
    ({"apl", "apl_return"}, _claims),
    ({"observation"}, _write_ups),
    ({"observation_plan"}, _to_plan),
)


def sources(assessor_id: int | Whose, filters: QueueFilters):
    """Each kind of work as (query, (waiting, kind, id, cohort, timed, candidate)), filtered by cohort, module
    and kind.

    `timed` is False for the kinds with no turnaround target (UNTIMED_KINDS): never overdue. An assessor's
    id lists their queue; a `Whose` with cohort ids lists those cohorts' unallocated work."""
    whose = assessor_id if isinstance(assessor_id, Whose) else Whose(assessor_id=assessor_id)
    wanted = set(KIND_FILTERS[filters.kind]) if filters.kind else set(KIND_LABELS)
    filtered = []
    for kinds, branch in _BRANCHES:
        if not wanted & kinds:
            continue
        made = branch(whose)
        if made is None:
            continue
        query, key, module = made
        if filters.cohort_id is not None:
            query = query.where(key[3] == filters.cohort_id)
        if filters.module_code:
            query = query.where(module == filters.module_code)
        if filters.kind:
            query = query.where(key[1].in_(KIND_FILTERS[filters.kind]))
        filtered.append((query, key))
    return filtered
