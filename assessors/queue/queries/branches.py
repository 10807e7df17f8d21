"""What waits in a queue, kind by kind: each branch is one table read in one index's order.

A branch has one kind (so its rows sort by (waiting since, id) alone) and one subject read in the order of a
partial index whose leading columns are that (waiting since, id) and whose predicate is the branch's scope
(migration 9d3f6a2c4b17; `keyset_index` and `keyset_where` in core/db/paging.py say why the conditions are
written as they are). A submitted attempt that nobody has started marking waits since it was submitted,
so it is read from the submissions; one that has an open assessment (being marked, or returned by the IQA)
waits since that assessment's `waiting_since`, so it is read from the open assessments. APL claims alike.

Who owns a row (the allocated assessor, or nobody) is no part of a branch: sources.py reads a branch either
in that index's order and keeps the owner's rows, or from the owner's candidates (`Whose.driver`).

Every test a row must pass is a probe by key (`absent`, `present`: a scalar subquery with LIMIT 1), never a
join the planner may turn into a hash of a whole table: a page then reads its rows and their probes, however
the statistics look.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import aliased, join

from assessors.marking.models import QUEUE_STATUSES, Assessment, MarkingStatus
from assessors.workplace.models import Observation, ObservationStatus
from core.db.timeutil import UTCDateTime
from core.extensions import db
from modules.catalogue.models import AssessmentCriterion, AssessmentMethod, CriterionMethod, LearningOutcome
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.submissions.models import Submission, SubmissionStatus
from qualification.results.models import CriterionOutcome, CriterionResult

# Kinds with no turnaround target: a module waits for an observation to be planned from the day the
# candidate enrolled on it, which is no judgement the cohort's turnaround target (for marking) applies to.
# These rows show the days they have waited but are never overdue (and never in the "overdue" filter).
UNTIMED_KINDS = ("observation_plan",)
DECIDED = (MarkingStatus.MARKING_COMPLETE, MarkingStatus.IN_IQA_REVIEW, MarkingStatus.READY_FOR_RELEASE)
# An observation of the module that is planned, or has been: no need to plan another.
OBSERVED = (ObservationStatus.PLANNED, ObservationStatus.RECORDED, ObservationStatus.ACKNOWLEDGED)
DONE = (CriterionOutcome.MET, CriterionOutcome.MET_BY_APL)

COLUMNS = (
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


def const(value):
    """A constant written into the SQL rather than bound: the partial indexes' predicates hold constants,
    and PostgreSQL uses such an index only when the query's own conditions prove its predicate, which a
    parameter cannot (a prepared statement's generic plan would not use it)."""
    return literal(value.value if isinstance(value, Enum) else value, literal_execute=True)


def at_most(n: int):
    """A LIMIT written into the SQL: for a parameter, a generic plan guesses a tenth of the rows."""
    return literal_column(str(int(n)), Integer)


def one_of(column, values):
    """SQL: column IN (constants), as `const`."""
    return column.in_([const(v) for v in values])


def absent(query):
    """SQL: the query finds no row (one probe per row tested, never hashed nor turned into a join)."""
    return query.limit(at_most(1)).scalar_subquery().is_(None)


def present(query):
    """SQL: the query finds a row (as `absent`)."""
    return query.limit(at_most(1)).scalar_subquery().is_not(None)


@dataclass(frozen=True)
class Branch:
    """One kind of waiting work, read from one subject in the order of one index."""

    name: str  # unique in a statement: names its CTEs
    kind: str
    source: Any  # the FROM: the subject (joined to its open assessment, for work being marked)
    scope: tuple  # the predicate of the index the branch is read in (models: `keyset_index`), term by term
    where: tuple  # the rest of what makes a row of this branch (nobody's in particular)
    order: Any  # the index's leading column: sorts as `waiting` does
    ident: Any  # the row's id, as the index holds it (second column)
    waiting: Any  # the row's waiting_since (UTCDateTime)
    cohort: Any  # the subject's cohort and candidate: whose work it is
    candidate: Any
    module: Any
    columns: tuple  # COLUMNS, labelled, in that order
    lookup: Any = None  # an indexed column equal to `candidate`, to find a candidate's rows (default: it)
    order_is_day: bool = False  # `order` is a UK date and `waiting` its midnight (observations)

    @property
    def timed(self) -> bool:
        return self.kind not in UNTIMED_KINDS


def _columns(kind, subject, waiting, attempt, assessment_id, status) -> tuple:
    """A branch's columns, in the same order and under the same names as every other branch's."""
    # The status comes from assessments in some branches and observations in another: as plain text, or
    # the first branch's enum type would try to read an observation's status as a marking status.
    values = (
        literal(kind, String),
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
    return tuple(
        (type_coerce(c, String) if name == "status" else c).label(name)
        for c, name in zip(values, COLUMNS, strict=True)
    )


def _none(kind):
    """A typed NULL, or PostgreSQL cannot match it with the other branches' columns."""
    return cast(null(), kind)


def _attempt_kind(s, kind: str):
    """SQL: the attempt is a first one (kind "submission") or a resubmission."""
    return s.attempt > const(1) if kind == "resubmission" else s.attempt <= const(1)


def _fresh(kind: str) -> Branch:
    """Submitted attempts nobody has started marking: waiting since they were submitted."""
    s, a = Submission, Assessment
    waiting = type_coerce(s.submitted_at, UTCDateTime)
    return Branch(
        name=f"fresh_{kind}",
        kind=kind,
        source=s,
        scope=(s.status == const(SubmissionStatus.SUBMITTED), _attempt_kind(s, kind)),
        where=(absent(select(a.id).where(a.submission_id == s.id).correlate(s)),),
        order=s.submitted_at,
        ident=s.id,
        waiting=waiting,
        cohort=s.cohort_id,
        candidate=s.candidate_id,
        module=s.module_code,
        columns=_columns(kind, s, waiting, s.attempt, _none(Integer), _none(String)),
    )


def _subject_of(a, model, key, name: str):
    """FROM the open assessment `a` and the row of `model` it judges (whose id is `key`), and that row's
    columns. On PostgreSQL the row is a lateral subquery by primary key (LIMIT 1 keeps it one): one probe
    per assessment read, never a hash of the whole table, whatever the statistics say."""
    subject = model
    if db.engine.dialect.name != "postgresql":
        return join(a, subject, subject.id == key), subject.__table__.c
    wanted = [subject.id, subject.candidate_id, subject.cohort_id, subject.family, subject.module_code]
    if model is Submission:
        wanted.append(subject.attempt)
    row = select(*wanted, subject.status).where(subject.id == key).limit(at_most(1)).lateral(name)
    return join(a, row, true()), row.c


def _open_attempt(kind: str) -> Branch:
    """Submitted attempts with an open assessment (being marked, or returned by the IQA): waiting since the
    assessment (re)entered the queue. Returned by the IQA is its own kind, whatever the attempt."""
    a = Assessment
    source, s = _subject_of(a, Submission, a.submission_id, f"queue_{kind}_attempt")
    returned = a.returned_by_iqa.is_(True)
    waiting = type_coerce(a.waiting_since, UTCDateTime)
    return Branch(
        name=f"open_{kind}",
        kind=kind,
        source=source,
        scope=(one_of(a.status, QUEUE_STATUSES), a.submission_id.is_not(None)),
        where=(
            s.status == const(SubmissionStatus.SUBMITTED),
            *(
                (returned,)
                if kind == "iqa_return"
                else (a.returned_by_iqa.is_not(True), _attempt_kind(s, kind))
            ),
        ),
        order=a.waiting_since,
        ident=a.submission_id,
        waiting=waiting,
        cohort=s.cohort_id,
        candidate=s.candidate_id,
        lookup=a.candidate_id,
        module=s.module_code,
        columns=_columns(kind, s, waiting, s.attempt, a.id, a.status),
    )


def _undecided(claim):
    """SQL: no round of the claim is decided yet (marking complete, in IQA review, ready for release)."""
    decided = aliased(Assessment)
    return absent(select(decided.id).where(decided.apl_claim_id == claim.id, decided.status.in_(DECIDED)))


def _claim() -> Branch:
    """Submitted APL claims with no round open or decided: waiting since they were submitted."""
    c, a = AplClaim, Assessment
    waiting = type_coerce(c.submitted_at, UTCDateTime)
    return Branch(
        name="claim",
        kind="apl",
        source=c,
        scope=(c.status == const(AplStatus.SUBMITTED),),
        where=(
            absent(
                select(a.id)
                .where(a.apl_claim_id == c.id, a.status.in_(QUEUE_STATUSES + DECIDED))
                .correlate(c)
            ),
        ),
        order=c.submitted_at,
        ident=c.id,
        waiting=waiting,
        cohort=c.cohort_id,
        candidate=c.candidate_id,
        module=c.module_code,
        columns=_columns("apl", c, waiting, _none(Integer), _none(Integer), _none(String)),
    )


def _open_claim(kind: str) -> Branch:
    """Submitted APL claims with a round open (at most one at a time: start_claim_marking reuses it)."""
    a = Assessment
    source, c = _subject_of(a, AplClaim, a.apl_claim_id, f"queue_{kind}_claim")
    returned = a.returned_by_iqa.is_(True)
    waiting = type_coerce(a.waiting_since, UTCDateTime)
    return Branch(
        name=f"open_{kind}",
        kind=kind,
        source=source,
        scope=(one_of(a.status, QUEUE_STATUSES), a.apl_claim_id.is_not(None)),
        where=(
            c.status == const(AplStatus.SUBMITTED),
            returned if kind == "apl_return" else a.returned_by_iqa.is_not(True),
            _undecided(c),
        ),
        order=a.waiting_since,
        ident=a.apl_claim_id,
        waiting=waiting,
        cohort=c.cohort_id,
        candidate=c.candidate_id,
        lookup=a.candidate_id,
        module=c.module_code,
        columns=_columns(kind, c, waiting, a.round, a.id, a.status),
    )


def _write_up() -> Branch:
    """Planned observations still to write up (by whoever is allocated the candidate now, not necessarily
    the assessor who planned the visit), waiting since the start of the planned day."""
    o = Observation
    waiting = type_coerce(uk_start_of_day(o.planned_for), UTCDateTime)
    return Branch(
        name="write_up",
        kind="observation",
        source=o,
        scope=(o.status == const(ObservationStatus.PLANNED),),
        where=(),
        order=o.planned_for,
        ident=o.id,
        waiting=waiting,
        cohort=o.cohort_id,
        candidate=o.candidate_id,
        module=o.module_code,
        columns=_columns("observation", o, waiting, _none(Integer), _none(Integer), o.status),
        order_is_day=True,
    )


def _same_module(row, enrolment):
    """The row is about the enrolment's candidate and module."""
    return and_(
        row.candidate_id == enrolment.candidate_id,
        row.family == enrolment.family,
        row.module_code == enrolment.module_code,
    )


def _to_plan() -> Branch:
    """Active enrolments on a module with an observation criterion not yet met, and no observation of that
    module planned, recorded or acknowledged: one row per (candidate, module)."""
    e, result, seen = ModuleEnrolment, CriterionResult, Observation
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
        .where(_same_module(result, e), result.criterion_ref == observable.c.ref, result.outcome.in_(DONE))
        .correlate(e, observable)
    )
    open_criterion = (
        select(observable.c.ref).where(observable.c.module_id == e.module_id, absent(met)).correlate(e)
    )
    observed = select(seen.id).where(_same_module(seen, e), seen.status.in_(OBSERVED)).correlate(e)
    waiting = type_coerce(e.enrolled_at, UTCDateTime)
    return Branch(
        name="to_plan",
        kind="observation_plan",
        source=e,
        scope=(e.status == const(EnrolmentStatus.ACTIVE),),
        where=(absent(observed), present(open_criterion)),
        order=e.enrolled_at,
        ident=e.id,
        waiting=waiting,
        cohort=e.cohort_id,
        candidate=e.candidate_id,
        module=e.module_code,
        columns=_columns("observation_plan", e, waiting, _none(Integer), _none(Integer), _none(String)),
    )


_BUILDERS = (
    ("submission", lambda: _fresh("submission")),
    ("resubmission", lambda: _fresh("resubmission")),
    ("submission", lambda: _open_attempt("submission")),
    ("resubmission", lambda: _open_attempt("resubmission")),
    ("iqa_return", lambda: _open_attempt("iqa_return")),
    ("apl", _claim),
    ("apl", lambda: _open_claim("apl")),
    ("apl_return", lambda: _open_claim("apl_return")),
    ("observation", _write_up),
    ("observation_plan", _to_plan),
)


def branches(kinds) -> list[Branch]:
    """The branches of these kinds, built afresh for one statement (the tables themselves, no aliases:
    each branch reads in its own subqueries, and aliasing a wide table costs more than the rest of the
    statement to build)."""
    wanted = set(kinds)
    return [build() for kind, build in _BUILDERS if kind in wanted]
