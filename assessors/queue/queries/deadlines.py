"""Work against module deadlines: attempts that came in after the candidate's (extended) deadline, and
modules whose deadline has passed with nothing handed in.

The dates come from `qualification.deadlines` (the cohort's deadline, the latest extension granted and the
candidate's breaks in learning); the rule that makes them a candidate's deadline is applied in Python
(`personal_deadline`), so it is written once. A candidate on a break is never overdue. A resubmission after
a referral answers the assessor, not the deadline, so it is never late.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Date, Integer, and_, bindparam, exists, func, or_, select, true
from sqlalchemy.orm import aliased

from assessors.queue.queries.branches import at_most, present, uk_start_of_day
from assessors.queue.rules import today_uk, uk_date
from core.accounts.models import User
from core.db.paging import keyset_filter
from core.extensions import db
from modules.study.models import ModuleEnrolment
from portfolio.submissions.models import Submission, SubmissionStatus
from qualification.cohorts.models import AssessorAllocation, CohortMember, MemberRole
from qualification.deadlines.models import DeadlineExtension, ExtensionStatus, ModuleDeadline
from qualification.deadlines.queries.personal import (
    PersonalDeadline,
    before_pause,
    enrolled_deadlines,
    fold_breaks,
    granted_until,
)
from qualification.deadlines.rules import is_late, is_overdue, personal_deadline
from qualification.membership.models import LearningBreak
from qualification.results.models import ModuleResult
from qualification.results.queries.report import Candidates, Loaded

# Queue rows whose id is a submitted attempt's (the marking branch of the queue's UNION).
ATTEMPT_KINDS = ("submission", "resubmission", "iqa_return")


def _after_referral(attempt):
    """SQL: an earlier attempt at the same module was referred (this one answers the referral)."""
    earlier = aliased(Submission)
    return exists().where(
        earlier.candidate_id == attempt.candidate_id,
        earlier.family == attempt.family,
        earlier.module_code == attempt.module_code,
        earlier.attempt < attempt.attempt,
        earlier.status == SubmissionStatus.REFERRED,
    )


def with_deadlines(query, rows):
    """The queue page's query with each row's deadline, the latest extension granted and, for an attempt,
    when it was submitted and whether it answers a referral (`rows`: the page's rows, a subquery): an outer
    join to the deadline and a probe per row for the rest, never a join the planner could turn into a read
    of a whole table; no statement more."""
    attempt, earlier = aliased(Submission), aliased(Submission)
    is_attempt = rows.c.kind.in_(ATTEMPT_KINDS)
    granted = (
        select(func.max(DeadlineExtension.granted_until))
        .where(
            DeadlineExtension.deadline_id == ModuleDeadline.id,
            DeadlineExtension.candidate_id == rows.c.candidate_id,
            DeadlineExtension.status == ExtensionStatus.GRANTED,
        )
        .scalar_subquery()
    )
    submitted = select(attempt.submitted_at).where(attempt.id == rows.c.id, is_attempt).scalar_subquery()
    # An earlier attempt at the same module was referred: this one answers the referral.
    referred = select(earlier.id).where(
        earlier.candidate_id == rows.c.candidate_id,
        earlier.family == rows.c.family,
        earlier.module_code == rows.c.module_code,
        earlier.attempt < rows.c.attempt,
        earlier.status == SubmissionStatus.REFERRED,
    )
    return query.add_columns(
        ModuleDeadline.due_on.label("deadline_on"),
        granted.label("extended_until"),
        submitted.label("attempt_submitted_at"),
        and_(is_attempt, present(referred)).label("after_referral"),
    ).outerjoin(
        ModuleDeadline,
        and_(ModuleDeadline.cohort_id == rows.c.cohort_id, ModuleDeadline.module_code == rows.c.module_code),
    )


def days_late(
    due_on: date | None,
    extended: date | None,
    submitted_at: datetime | None,
    after_referral: bool,
    breaks=(),
    *,
    today: date,
) -> tuple[date | None, int]:
    """A queue row's deadline (None: none set), moved on by the candidate's breaks in learning, and by how
    many days its attempt missed it (0: on time)."""
    if due_on is None:
        return None, 0
    deadline = personal_deadline(due_on, extended, breaks, today=today)
    if submitted_at is None or after_referral:
        return deadline, 0
    handed_in = uk_date(submitted_at)
    return deadline, (handed_in - deadline).days if is_late(handed_in, deadline) else 0


# Overdue: the deadline passed and nothing was handed in ----------------------------------------------------


@dataclass(frozen=True)
class OverdueModule:
    item: PersonalDeadline
    candidate_name: str
    days: int  # since the deadline


def _handed_in(enrolment):
    """SQL: the candidate handed the module in (an attempt not withdrawn) or has it (a live result)."""
    submitted = exists().where(
        Submission.candidate_id == enrolment.candidate_id,
        Submission.family == enrolment.family,
        Submission.module_code == enrolment.module_code,
        Submission.status != SubmissionStatus.WITHDRAWN,
    )
    achieved = exists().where(
        ModuleResult.candidate_id == enrolment.candidate_id,
        ModuleResult.family == enrolment.family,
        ModuleResult.module_code == enrolment.module_code,
        ModuleResult.revoked_at.is_(None),
    )
    return or_(submitted, achieved)


def _of_assessor(query, assessor_id):
    """The query narrowed to the candidates allocated to the assessor, read from those allocations: on
    PostgreSQL the rest of it runs once per allocated candidate (a lateral subquery), found by the candidate,
    so neither a missing statistic nor a big cohort makes it read every candidate of the cohort."""
    al = AssessorAllocation
    if db.engine.dialect.name != "postgresql":
        return query.join(
            al,
            and_(
                al.cohort_id == ModuleEnrolment.cohort_id,
                al.candidate_id == ModuleEnrolment.candidate_id,
                al.assessor_id == assessor_id,
            ),
        )
    owner = (
        select(al.cohort_id, al.candidate_id).where(al.assessor_id == assessor_id).subquery("overdue_owner")
    )
    # OFFSET 0 keeps it a subquery run per candidate (PostgreSQL would merge a plain one into the join).
    theirs = (
        query.where(
            ModuleEnrolment.candidate_id == owner.c.candidate_id,
            keyset_filter(ModuleEnrolment.cohort_id == owner.c.cohort_id),
        )
        .offset(at_most(0))
        .lateral("overdue_theirs")
    )
    deadline = aliased(ModuleDeadline, theirs)
    columns = list(theirs.c)
    # The entity's columns in place of the deadline's, the others as they were.
    mapped = {theirs.corresponding_column(c) for c in ModuleDeadline.__table__.c}
    wanted = [columns[0], columns[1], deadline, *(c for c in columns[2:] if c not in mapped)]
    return select(*wanted).select_from(owner).join(theirs, true())


def _some_deadline(cohort_ids):
    """SQL: one of the cohorts has a module deadline. Uncorrelated, so both databases test it once before
    reading anything else: a report of cohorts without deadlines no longer walks every submission or
    enrolment to find none (SQLite, with no statistics for an empty table, started from those)."""
    deadline = aliased(ModuleDeadline)
    return exists().where(deadline.cohort_id.in_(cohort_ids))


def _build_overdue(of_assessor: bool, in_cohorts: bool, candidates: Candidates = None):
    """The overdue-modules statement of one shape, with the day, the assessor and the cohorts as parameters
    (and, for the report, a page's candidates)."""
    query, granted = enrolled_deadlines(by_candidate=of_assessor)
    query = (
        query.add_columns(User.name)
        .join(User, User.id == ModuleEnrolment.candidate_id)
        .where(before_pause(granted) < bindparam("today", type_=Date), ~_handed_in(ModuleEnrolment))
    )
    if in_cohorts:
        cohort_ids = bindparam("cohort_ids", expanding=True)
        query = query.where(ModuleDeadline.cohort_id.in_(cohort_ids), _some_deadline(cohort_ids))
    if candidates is not None:
        query = query.where(ModuleEnrolment.candidate_id.in_(candidates))
    if of_assessor:
        query = _of_assessor(query, bindparam("assessor_id", type_=Integer))
    return query


@lru_cache(maxsize=8)
def _overdue_statement(dialect: str, of_assessor: bool, in_cohorts: bool):
    """Built once per shape (the assessor's queue page runs it on every visit)."""
    del dialect  # in the key only: `_of_assessor` writes it for the engine's dialect
    return _build_overdue(of_assessor, in_cohorts)


def overdue_modules(
    today: date,
    *,
    assessor_id: int | None = None,
    cohort_ids: Collection[int] | None = None,
    candidates: Candidates = None,
) -> list[OverdueModule]:
    """Modules past the candidate's deadline with nothing handed in (one query; none when `cohort_ids` is
    given and empty), the longest overdue first: of the candidates allocated to an assessor, in some cohorts,
    or both (the assessor's queue passes the cohorts that have a deadline: `QueueCohorts.dated`); of the
    candidates given (ids or a query of them), else all."""
    if cohort_ids is not None and not cohort_ids:
        return []
    if candidates is None:
        statement = _overdue_statement(
            db.engine.dialect.name, assessor_id is not None, cohort_ids is not None
        )
    else:
        statement = _build_overdue(assessor_id is not None, cohort_ids is not None, candidates)
    params = {"today": today, "assessor_id": assessor_id, "cohort_ids": list(cohort_ids or ())}
    found = []
    for (*head, name), breaks in fold_breaks(db.session.execute(statement, params)):
        item = PersonalDeadline(*head, breaks=breaks, today=today)
        if not item.away and is_overdue(item.due, today):
            found.append(OverdueModule(item, name, (today - item.due).days))
    return sorted(found, key=lambda o: (-o.days, o.candidate_name.casefold(), o.item.deadline.module_code))


# The cohort report's columns: {key: {(cohort id, candidate id): modules}}, for any number of cohorts ------


def overdue_counts(cohort_ids: Sequence[int], candidates: Candidates = None) -> Loaded:
    """Per candidate of each cohort: modules past their deadline with nothing handed in (one query)."""
    counts: dict[tuple[int, int], int] = {}
    for overdue in overdue_modules(today_uk(), cohort_ids=cohort_ids, candidates=candidates):
        key = (overdue.item.deadline.cohort_id, overdue.item.candidate_id)
        counts[key] = counts.get(key, 0) + 1
    return {"overdue": counts}


def late_counts(cohort_ids: Sequence[int], candidates: Candidates = None) -> Loaded:
    """Per candidate of each cohort: modules whose attempt came in after their (extended, paused) deadline
    (one query: the candidate's breaks outer-joined, a row per break)."""
    granted, s = granted_until(), Submission
    mine = [] if candidates is None else [s.candidate_id.in_(candidates)]
    rows = db.session.execute(
        select(
            LearningBreak.starts_on,
            LearningBreak.ends_on,
            s.id,
            s.cohort_id,
            s.candidate_id,
            s.module_code,
            s.submitted_at,
            ModuleDeadline.due_on,
            granted.c.until,
        )
        .select_from(s)
        .join(
            ModuleDeadline,
            and_(ModuleDeadline.cohort_id == s.cohort_id, ModuleDeadline.module_code == s.module_code),
        )
        .outerjoin(
            granted,
            and_(granted.c.deadline_id == ModuleDeadline.id, granted.c.candidate_id == s.candidate_id),
        )
        .outerjoin(
            CohortMember,
            and_(
                CohortMember.cohort_id == s.cohort_id,
                CohortMember.user_id == s.candidate_id,
                CohortMember.role == MemberRole.CANDIDATE,
            ),
        )
        .outerjoin(LearningBreak, LearningBreak.member_id == CohortMember.id)
        .where(
            _some_deadline(cohort_ids),
            s.cohort_id.in_(cohort_ids),
            s.status != SubmissionStatus.WITHDRAWN,
            # Only an attempt sent on or after its deadline's day (before any pause, which only moves it
            # later) can be late: the rest, most of them, stay in the database.
            s.submitted_at >= uk_start_of_day(before_pause(granted)),
            ~_after_referral(s),
            *mine,
        )
    )
    today = today_uk()
    late = {
        (cohort_id, candidate_id, code)
        for (_, cohort_id, candidate_id, code, submitted_at, due_on, until), breaks in fold_breaks(rows)
        if days_late(due_on, until, submitted_at, False, breaks, today=today)[1]
    }
    counts: dict[tuple[int, int], int] = {}
    for cohort_id, candidate_id, _ in late:
        counts[(cohort_id, candidate_id)] = counts.get((cohort_id, candidate_id), 0) + 1
    return {"late": counts}
