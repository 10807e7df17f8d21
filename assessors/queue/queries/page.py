"""The assessor's queue: everything waiting for them, as one keyset-paged list (a fixed number of queries).

The kinds of work (submissions, APL claims, observations to write up, modules that need an observation
planned) are branches of one UNION ALL, built in sources.py (how a page reads them) and branches.py (what
they are); this module merges them into a page, counts them for the home panel, and lists the decisions
ready for release.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from typing import NamedTuple

from sqlalchemy import Integer, and_, bindparam, case, exists, func, or_, select, type_coerce, union_all

from assessors.permissions import can_use_queue
from assessors.queue.queries.branches import at_most
from assessors.queue.queries.deadlines import days_late, with_deadlines
from assessors.queue.queries.ready import ready_count, ready_decisions, released_among
from assessors.queue.queries.sources import (
    KIND_FILTERS,
    KIND_LABELS,
    OWNER,
    PAGE_SIZE,
    UNTIMED_KINDS,
    Cursor,
    Cutoffs,
    QueueFilters,
    Whose,
    cursor_params,
    cutoffs_for,
    frozen,
    late,
    owner_param,
    paged,
    sources,
    thawed,
)
from assessors.queue.queries.unallocated import (
    unallocated_by_candidate,
    unallocated_count,
    unallocated_counts,
)
from assessors.queue.rules import Turnaround, closed_days, today_uk
from core.accounts.models import User
from core.db.postgres import prepared
from core.db.timeutil import UTCDateTime
from core.extensions import db
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole
from qualification.cohorts.queries import with_closures
from qualification.cohorts.rules import on_break
from qualification.deadlines.models import ModuleDeadline
from qualification.membership.queries import break_spans
from qualification.versions.models import VersionModule

__all__ = [
    "KIND_FILTERS",
    "KIND_LABELS",
    "PAGE_SIZE",
    "Cursor",
    "QueueCohorts",
    "QueueCounts",
    "QueueFilters",
    "QueuePage",
    "QueueRow",
    "assessor_cohorts",
    "decode_cursor",
    "encode_cursor",
    "module_codes",
    "queue_cohorts",
    "queue_counts",
    "queue_page",
    "ready_count",
    "ready_decisions",
    "released_among",
    "unallocated_by_candidate",
    "unallocated_count",
    "unallocated_counts",
]


@dataclass
class QueueRow:
    kind: str
    id: int
    candidate_id: int
    candidate_name: str
    cohort_id: int | None
    cohort_name: str
    family: str
    module_code: str
    waiting_since: datetime
    attempt: int | None
    assessment_id: int | None
    status: str | None
    target: int
    waited: int
    due: date | None
    overdue: bool
    timed: bool = True  # False: no turnaround target applies (never overdue, no due date)
    deadline: date | None = None  # the candidate's (extended) deadline for the module, when one is set
    late_days: int = (
        0  # how many days after that deadline the attempt came in (0: on time, or not an attempt)
    )
    paused: bool = False  # the candidate is on a break in learning: the clock stands still, never overdue

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class QueuePage:
    rows: list[QueueRow] = field(default_factory=list)
    next_cursor: str | None = None
    prev_cursor: str | None = None


@dataclass(frozen=True)
class QueueCounts:
    waiting: int  # everything in the queue
    overdue: int  # of those, past their cohort's turnaround target
    to_plan: int  # of those, modules that need an observation planned


def encode_cursor(cursor: Cursor) -> str:
    """The page key as an opaque link parameter (tampering only ever changes the asker's own view)."""
    raw = json.dumps(
        [cursor.waiting_since.isoformat(), cursor.kind, cursor.id, int(cursor.backwards)],
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> Cursor | None:
    """The cursor in a link, or None when there is none or it was tampered with (the first page then)."""
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        when, kind, ident, backwards = json.loads(raw)
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None or kind not in KIND_LABELS or not isinstance(ident, int):
            return None
        return Cursor(moment, kind, ident, bool(backwards))
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        return None


def assessor_cohorts(assessor_id: int) -> list[Cohort]:
    """The cohorts whose work can reach this assessor: allocations and cohort staff (one query)."""
    return queue_cohorts(assessor_id).cohorts


class QueueCohorts(NamedTuple):
    cohorts: list[Cohort]  # whose work can reach the assessor (allocations and cohort staff), by name
    staffed: list[Cohort]  # of those, where they are one of the assessors (they see its Unallocated queue)
    dated: list[int]  # of those, the ids of the ones with a module deadline (none: nothing can be overdue)


@cache
def _cohorts_statement():
    """Built once (the queue page and the assessor's home run it on every visit); run with OWNER."""
    owner = bindparam(OWNER, type_=Integer)
    # A probe per cohort of the (assessor, cohort) index, not a list of the assessor's every allocation.
    allocated = exists().where(
        AssessorAllocation.assessor_id == owner, AssessorAllocation.cohort_id == Cohort.id
    )
    staff = select(CohortMember.cohort_id).where(
        CohortMember.user_id == owner, CohortMember.role == MemberRole.ASSESSOR
    )
    staffed = Cohort.id.in_(staff)
    dated = exists().where(ModuleDeadline.cohort_id == Cohort.id)
    return prepared(
        with_closures(
            select(Cohort, staffed.label("staffed"), dated.label("dated"))
            .where(or_(allocated, staffed))
            .order_by(Cohort.name)
        )
    )


def queue_cohorts(assessor_id: int) -> QueueCohorts:
    """The cohorts whose work can reach this assessor (allocations and cohort staff), those where they are
    one of the assessors, and those with a deadline: one query for all three."""
    rows = db.session.execute(_cohorts_statement(), {OWNER: assessor_id}).unique().all()
    return QueueCohorts(
        [c for c, _, _ in rows], [c for c, on_staff, _ in rows if on_staff], [c.id for c, _, d in rows if d]
    )


_MODULE_CODES = (
    select(VersionModule.code)
    .where(VersionModule.version_id.in_(bindparam("version_ids", expanding=True)))
    .distinct()
    .order_by(VersionModule.code)
)


def module_codes(cohorts: list[Cohort]) -> list[str]:
    """The module codes of these cohorts' qualification versions (one query), for the filter."""
    if not cohorts:
        return []
    return list(db.session.scalars(_MODULE_CODES, {"version_ids": sorted({c.version_id for c in cohorts})}))


def turnaround_of(cohort: Cohort) -> Turnaround:
    """The cohort's target and closure days (load cohorts `with_closures`, or this reads them)."""
    return Turnaround(cohort.turnaround_days, closed_days((c.first_day, c.last_day) for c in cohort.closures))


def turnarounds(cohorts: list[Cohort]) -> dict[int | None, Turnaround]:
    """Each cohort's turnaround, and the default for work whose cohort was deleted (key None)."""
    return {**{c.id: turnaround_of(c) for c in cohorts}, None: Turnaround()}


def cutoffs_of(cohorts: list[Cohort], today: date, breaks: dict[tuple[int, int], list]) -> Cutoffs:
    """Per cohort, and per candidate back from a break, the moment before which waiting work is overdue
    today (for `late` in SQL)."""
    return cutoffs_for(turnarounds(cohorts), today, breaks)


@lru_cache(maxsize=32)
def _counts_statement(dialect: str, cutoffs: tuple):
    """The counts' SQL for these cutoffs, built once; run with the assessor's id as OWNER."""
    del dialect  # in the key only: the branches are written for the engine's dialect
    merged = union_all(
        *[
            query.with_only_columns(
                key[0].label("waiting_since"),
                key[1].label("kind"),
                key[3].label("cohort_id"),
                key[5].label("candidate_id"),
            )
            for query, key in sources(owner_param(False), QueueFilters())
        ]
    ).subquery()
    waiting = type_coerce(merged.c.waiting_since, UTCDateTime)
    timed = merged.c.kind.not_in(UNTIMED_KINDS)
    late_now = late(merged.c.cohort_id, merged.c.candidate_id, waiting, thawed(cutoffs))
    overdue = case((and_(timed, late_now), 1), else_=0)
    to_plan = case((merged.c.kind == "observation_plan", 1), else_=0)
    return prepared(
        select(
            func.count(), func.coalesce(func.sum(overdue), 0), func.coalesce(func.sum(to_plan), 0)
        ).select_from(merged)
    )


def queue_counts(assessor_id: int, cohorts: list[Cohort], today: date) -> QueueCounts:
    """How many items wait for the assessor, how many are overdue, how many need an observation planned
    (two queries: the breaks in learning, the counts)."""
    cutoffs = cutoffs_of(cohorts, today, break_spans(c.id for c in cohorts))
    statement = _counts_statement(db.engine.dialect.name, frozen(cutoffs))
    total, late_count, plan_count = db.session.execute(statement, {OWNER: assessor_id}).one()
    return QueueCounts(total, late_count, plan_count)


@lru_cache(maxsize=64)
def _page_statement(
    dialect: str, unallocated: bool, filters: QueueFilters, cursor_kind, backwards: bool, cutoffs: tuple
):
    """The page's SQL for this shape of page, built once (a statement of ten branches costs more to build
    than to run); run with the owner and the cursor's key as parameters. None: nothing can match."""
    del dialect  # in the key only: the branches are written for the engine's dialect
    parts = paged(owner_param(unallocated), filters, cursor_kind, backwards, thawed(cutoffs))
    if not parts:
        return None
    merged = union_all(*parts).subquery()
    descending = filters.newest_first != backwards

    def ordered(rows):
        keys = (type_coerce(rows.c.waiting_since, UTCDateTime), rows.c.kind, rows.c.id)
        return [k.desc() for k in keys] if descending else list(keys)

    # The page's rows first, then their names, cohorts and deadlines: probes for these rows only.
    found = select(merged).order_by(*ordered(merged)).limit(at_most(PAGE_SIZE + 1)).subquery("queue_page")
    page_query = select(
        found,
        type_coerce(found.c.waiting_since, UTCDateTime).label("waiting_at"),
        select(User.name).where(User.id == found.c.candidate_id).scalar_subquery().label("candidate_name"),
        select(Cohort.name).where(Cohort.id == found.c.cohort_id).scalar_subquery().label("cohort"),
    )
    return prepared(with_deadlines(page_query, found).order_by(*ordered(found)))


def queue_page(
    assessor_id: int | Whose, cohorts: list[Cohort], filters: QueueFilters, cursor: Cursor | None, today: date
) -> QueuePage:
    """One page of the assessor's queue (two queries: the breaks in learning, the page), with the working
    days each item has waited (a candidate's break left out)."""
    targets = turnarounds(cohorts)
    breaks = break_spans(c.id for c in cohorts)
    cutoffs = cutoffs_for(targets, today, breaks)
    whose = assessor_id if isinstance(assessor_id, Whose) else Whose(assessor_id=assessor_id)
    unallocated = whose.assessor_id is None
    # Only the overdue filter reads the cutoffs in SQL: other pages share a statement whatever the day.
    shape = frozen(cutoffs) if filters.overdue else ((), ())
    statement = _page_statement(
        db.engine.dialect.name,
        unallocated,
        filters,
        cursor.kind if cursor else None,
        bool(cursor and cursor.backwards),
        shape,
    )
    if statement is None:
        return QueuePage()
    owner = list(whose.cohort_ids) if unallocated else whose.assessor_id
    rows = db.session.execute(statement, {OWNER: owner, **cursor_params(cursor)}).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if cursor is not None and cursor.backwards:
        rows.reverse()
    page = QueuePage(
        rows=[_row(r, targets, today, breaks.get((r.cohort_id, r.candidate_id), ())) for r in rows]
    )
    if page.rows:
        first, last = page.rows[0], page.rows[-1]
        going_back = cursor is not None and cursor.backwards
        if more or going_back:
            page.next_cursor = encode_cursor(Cursor(last.waiting_since, last.kind, last.id))
        if cursor is not None and (more or not going_back):
            page.prev_cursor = encode_cursor(Cursor(first.waiting_since, first.kind, first.id, True))
    return page


def _row(r, targets: dict[int | None, Turnaround], today: date, breaks) -> QueueRow:
    turnaround = targets.get(r.cohort_id) or targets[None]
    timed = r.kind not in UNTIMED_KINDS
    deadline, late_days = days_late(
        r.deadline_on, r.extended_until, r.attempt_submitted_at, r.after_referral, breaks, today=today
    )
    paused = bool(breaks) and on_break(breaks, today)
    return QueueRow(
        kind=r.kind,
        id=r.id,
        candidate_id=r.candidate_id,
        candidate_name=r.candidate_name,
        cohort_id=r.cohort_id,
        cohort_name=r.cohort or "",
        family=r.family,
        module_code=r.module_code,
        waiting_since=r.waiting_at,
        attempt=r.attempt,
        assessment_id=r.assessment_id,
        status=r.status,
        target=turnaround.target,
        waited=turnaround.waited(r.waiting_at, today, breaks),
        due=None if paused else turnaround.due(r.waiting_at, breaks),
        overdue=timed and turnaround.overdue(r.waiting_at, today, breaks),
        timed=timed,
        deadline=deadline,
        late_days=late_days,
        paused=paused,
    )


def assessor_panel(user) -> dict | None:
    """The assessor's home panel: what waits, what is overdue, what is ready to release (three queries)."""
    if not can_use_queue(user):
        return None
    counts = queue_counts(user.id, assessor_cohorts(user.id), today_uk())
    return {
        "template": "assessors/queue/_queue_home_panel.html",
        "waiting": counts.waiting,
        "overdue": counts.overdue,
        "to_plan": counts.to_plan,
        "ready": ready_count(user.id),
    }
