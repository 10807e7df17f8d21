"""The SQL behind the assessor's queue: each kind of work as branches of a keyset-paged UNION ALL.

Four kinds of work: submitted attempts of the candidates allocated to the assessor (not started, being
marked, or returned by the IQA), submitted APL claims of those candidates that no round has decided yet,
planned observations of those candidates still to write up, and modules those candidates study that
still need an observation planned. Every branch follows the allocation, so reallocating a candidate (or
removing their assessor from the cohort) moves all their waiting work, a planned visit included. The same
branches, for the candidates of a cohort with no allocated assessor, make the cohort's Unallocated queue.
What each branch reads is in branches.py; page.py merges them into a page.

A page is keyed on (waiting_since, kind, id), never OFFSET. Each branch reads its rows in its partial index's
order from the cursor on, WINDOW rows at most, and keeps the queue owner's (a probe per row). That is the
answer when it gives a page (PAGE_SIZE + 1 rows) or the branch ends; otherwise the owner holds little of
what waits (a few candidates in a big cohort) and the branch is read again from the owner's candidates
(`Whose.driver`, a lateral index scan per candidate on PostgreSQL). A page reads a WINDOW of each branch
and, for a small queue, its own rows; never the cohort's (tests/assessors/queue/test_queue_plan.py).

A withdrawn candidate's work is in no queue (it is kept, unjudged). A candidate's break in learning stops
the clock of their work: `Cutoffs` holds their own overdue moment (none while they are away).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Date, Integer, and_, bindparam, exists, literal, or_, select, true, tuple_
from sqlalchemy.orm import join

from assessors.queue.queries.allocated import short_of_assessors
from assessors.queue.queries.branches import (
    DECIDED,
    UNTIMED_KINDS,
    Branch,
    absent,
    at_most,
    branches,
    const,
    uk_start_of_day,
)
from assessors.queue.queries.cutoffs import Cutoffs, cutoffs_for, frozen, late, thawed
from assessors.queue.rules import uk_date
from core.db.paging import keyset_filter, keyset_where
from core.db.timeutil import UTCDateTime
from core.extensions import db
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole, MemberStatus

__all__ = [
    "DECIDED",
    "KIND_FILTERS",
    "KIND_LABELS",
    "PAGE_SIZE",
    "UNTIMED_KINDS",
    "WINDOW",
    "Cursor",
    "Cutoffs",
    "QueueFilters",
    "Whose",
    "allocated",
    "cursor_params",
    "cutoffs_for",
    "frozen",
    "late",
    "owner_param",
    "paged",
    "sources",
    "thawed",
    "uk_start_of_day",
]

PAGE_SIZE = 50
# How many rows of a branch a page reads in index order before it turns to the owner's candidates: the
# owner's rows are found there when they hold a quarter or more of what waits after the cursor.
WINDOW = 4 * (PAGE_SIZE + 1)
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


def allocated(assessor_id: int, cohort_col, candidate_col):
    """SQL: the candidate is allocated to this assessor in the cohort."""
    return exists().where(
        AssessorAllocation.assessor_id == assessor_id,
        AssessorAllocation.cohort_id == cohort_col,
        AssessorAllocation.candidate_id == candidate_col,
    )


def _not_withdrawn(cohort_col, candidate_col):
    """SQL: the candidate is not withdrawn from the cohort (a probe of their membership, found by the person:
    the cohort is checked on what that finds, never a way into an index of the cohort's every member)."""
    m = CohortMember
    return absent(
        select(m.id).where(
            m.user_id == candidate_col,
            keyset_filter(
                and_(
                    m.cohort_id == cohort_col,
                    m.role == const(MemberRole.CANDIDATE),
                    m.status == const(MemberStatus.WITHDRAWN),
                )
            ),
        )
    )


@dataclass(frozen=True)
class Whose:
    """Whose work the branches list: one assessor's (their allocated candidates'), or, with `cohort_ids`, the
    work of candidates in those cohorts who have no allocated assessor (the Unallocated queue)."""

    assessor_id: int | None = None
    cohort_ids: tuple[int, ...] = ()

    def owns(self, cohort_col, candidate_col):
        """SQL: the row (of this candidate in this cohort) is this queue's, never a withdrawn candidate's:
        probes of the allocation and the membership by their keys."""
        al = AssessorAllocation
        # Found by the candidate, as `_not_withdrawn`.
        allocation = select(al.assessor_id).where(
            al.candidate_id == candidate_col, keyset_filter(al.cohort_id == cohort_col)
        )
        still = _not_withdrawn(cohort_col, candidate_col)
        if self.assessor_id is not None:
            return and_(allocation.limit(at_most(1)).scalar_subquery() == self.assessor_id, still)
        return and_(cohort_col.in_(self.cohort_ids), absent(allocation), still)

    def driver(self, cohort_id: int | None = None, name: str = "queue_owner"):
        """SQL: (cohort_id, candidate_id) of every candidate whose work this queue holds (in one cohort), as
        a CTE: worked out once for all the branches of a statement, and only if one of them reads it."""
        if self.assessor_id is not None:
            al = AssessorAllocation
            query = select(al.cohort_id.label("cohort_id"), al.candidate_id.label("candidate_id")).where(
                al.assessor_id == self.assessor_id, _not_withdrawn(al.cohort_id, al.candidate_id)
            )
            column = al.cohort_id
        else:
            # Every candidate's work in a cohort is theirs as a member (memberships are never deleted); looked
            # for only in the cohorts whose counts say someone has no assessor (allocated.py: why).
            m, al = CohortMember, AssessorAllocation
            short = (
                select(Cohort.id)
                .where(Cohort.id.in_(self.cohort_ids), short_of_assessors(Cohort.id))
                .subquery("queue_short_of_assessors")
            )
            # From those cohorts to their members (none: nothing read), never the members first.
            members = join(short, m, m.cohort_id == short.c.id)
            query = (
                select(m.cohort_id.label("cohort_id"), m.user_id.label("candidate_id"))
                .select_from(members)
                .where(
                    m.role == MemberRole.CANDIDATE,
                    m.status != MemberStatus.WITHDRAWN,
                    ~exists().where(al.candidate_id == m.user_id, keyset_filter(al.cohort_id == m.cohort_id)),
                )
            )
            column = m.cohort_id
        if cohort_id is not None:
            query = query.where(column == cohort_id)
        return query.cte(name).prefix_with("MATERIALIZED")


def _conditions(branch: Branch, filters: QueueFilters, *more) -> list:
    """The branch's conditions with the cohort and module filters (the kind filter chooses branches): its
    index's predicate, and the rest as one condition (`keyset_where`: why)."""
    rest = list(branch.where)
    if filters.cohort_id is not None:
        rest.append(branch.cohort == filters.cohort_id)
    if filters.module_code:
        rest.append(branch.module == filters.module_code)
    rest += more
    conditions = [keyset_where(and_(*branch.scope))]
    return [*conditions, keyset_filter(and_(*rest))] if rest else conditions


def _lateral() -> bool:
    return db.engine.dialect.name == "postgresql"


def _driven(branch: Branch, owner, conditions: list, order=None, gate=None):
    """A select of the branch's rows read from the owner's candidates (`owner`: `Whose.driver`), and its
    row source.

    PostgreSQL reads them with a lateral subquery per candidate, so the plan is an index scan per candidate
    whatever the statistics say (and, with `order`, at most a page per candidate). SQLite has no LATERAL:
    a join from the owner's candidates; with `gate` (a condition on nothing in the row), the join starts
    from a one-row subquery that holds only when the gate does. SQLite tests a WHERE term like the gate row
    by row, after it has materialised and indexed the owner's candidates (10,017 at tier L, ~8 ms a branch
    when the window alone gave the page); starting from the gate, it never enters the join."""
    lookup = branch.candidate if branch.lookup is None else branch.lookup
    # Found by the one index on `lookup`; the rest checked on what that finds.
    theirs = (
        lookup == owner.c.candidate_id,
        keyset_filter(and_(branch.cohort == owner.c.cohort_id, branch.candidate == owner.c.candidate_id)),
    )
    if _lateral():
        inner = select(*branch.columns).select_from(branch.source).where(*conditions, *theirs)
        if order is not None:
            inner = inner.order_by(*order).limit(at_most(PAGE_SIZE + 1))
        rows = inner.lateral(f"queue_{branch.name}_theirs")
        return select(*rows.c).select_from(owner).join(rows, true()), rows
    start = owner
    if gate is not None:
        opened = select(literal(1).label("open")).where(gate).subquery(f"queue_{branch.name}_gate")
        start = join(opened, owner, true())
    rows = (
        select(*branch.columns)
        .select_from(join(start, branch.source, and_(*theirs)))
        .where(*conditions)
        .subquery(f"queue_{branch.name}_theirs")
    )
    return select(*rows.c), rows


def _key(rows, branch: Branch) -> tuple:
    return (rows.c.waiting_since, rows.c.kind, rows.c.id, rows.c.cohort_id, branch.timed, rows.c.candidate_id)


def _whose(assessor_id: int | Whose) -> Whose:
    return assessor_id if isinstance(assessor_id, Whose) else Whose(assessor_id=assessor_id)


def _kinds(filters: QueueFilters):
    return KIND_FILTERS[filters.kind] if filters.kind else tuple(KIND_LABELS)


def sources(assessor_id: int | Whose, filters: QueueFilters):
    """Every row of the queue, for counting: each branch as (query, (waiting, kind, id, cohort, timed,
    candidate)), read from the owner's candidates and filtered by cohort, module and kind.

    `timed` is False for the kinds with no turnaround target (UNTIMED_KINDS): never overdue. An assessor's
    id lists their queue; a `Whose` with cohort ids lists those cohorts' unallocated work."""
    owner = _whose(assessor_id).driver(filters.cohort_id)
    # SQLite: no candidates (a cohort where everyone has an assessor), no branch read. Without the gate it
    # read some branches whole (every open assessment, say) to probe the empty list: 30 ms at tier L.
    gate = None if _lateral() else exists(select(owner.c.candidate_id))
    found = []
    for branch in branches(_kinds(filters)):
        query, rows = _driven(branch, owner, _conditions(branch, filters), gate=gate)
        found.append((query, _key(rows, branch)))
    return found


# The page's parameters: its SQL is built once per shape (page.py) and run with these.
OWNER, AT, MARK, DAY = "queue_owner", "queue_at", "queue_mark", "queue_day"


def owner_param(unallocated: bool) -> Whose:
    """The queue's owner as a parameter (OWNER: an assessor's id, or a list of cohort ids)."""
    if unallocated:
        return Whose(cohort_ids=bindparam(OWNER, expanding=True))
    return Whose(assessor_id=bindparam(OWNER, type_=Integer))


def cursor_params(cursor: Cursor | None) -> dict:
    if cursor is None:
        return {}
    return {AT: cursor.waiting_since, MARK: cursor.id, DAY: uk_date(cursor.waiting_since)}


def _after(branch: Branch, cursor_kind: str, descending: bool):
    """SQL: the branch's rows after the cursor (parameters AT, MARK, DAY), in the page's order of
    (waiting_since, kind, id).

    The branch has one kind, so against the cursor's key this is a range of (waiting_since, id), which its
    index answers; for observations also a range of the planned day (the index's column)."""
    at, mark = bindparam(AT, type_=UTCDateTime), bindparam(MARK, type_=Integer)
    waiting = branch.waiting
    if branch.kind == cursor_kind:
        row, key = tuple_(waiting, branch.ident), tuple_(at, mark)
        condition = row < key if descending else row > key
    elif (branch.kind > cursor_kind) != descending:  # the branch's rows at that moment come after it
        condition = waiting <= at if descending else waiting >= at
    else:
        condition = waiting < at if descending else waiting > at
    if branch.order_is_day:
        # A day's midnight at or after the moment is on or after the moment's own day (before: on or before).
        day = bindparam(DAY, type_=Date)
        condition = and_(condition, branch.order <= day if descending else branch.order >= day)
    return condition


def _overdue(branch: Branch, cutoffs: Cutoffs):
    """SQL: the branch's rows past their turnaround target, and a range of its index's column that holds
    them; None when none can be (untimed, or no cutoff)."""
    moments = [*cutoffs.by_cohort.values(), *(m for m in cutoffs.by_candidate.values() if m is not None)]
    if not branch.timed or not moments:
        return None
    latest = max(moments)
    # Implied by `late`, and a range the index can read.
    bound = branch.order <= uk_date(latest) if branch.order_is_day else branch.order < latest
    return late(branch.cohort, branch.candidate, branch.waiting, cutoffs), bound


def paged(whose: Whose, filters: QueueFilters, cursor_kind: str | None, backwards: bool, cutoffs: Cutoffs):
    """The page's rows of each branch (a select each, at most PAGE_SIZE + 1 rows of the owner's, or the
    WINDOW rows of the branch that hold them): see the module's docstring. The owner and the cursor's key
    are parameters (`owner_param`, `cursor_params`); with no `cursor_kind`, the first page."""
    descending = filters.newest_first != backwards
    shared = whose.driver(filters.cohort_id) if _lateral() else None
    parts = []
    for branch in branches(_kinds(filters)):
        # SQLite works out a CTE that several branches read before any of them, gate or no gate (18 ms at
        # tier L for a page that never reads it): there each branch has its own, read only past its gate.
        owner = (
            shared if shared is not None else whose.driver(filters.cohort_id, f"queue_{branch.name}_owner")
        )
        if filters.overdue:
            overdue = _overdue(branch, cutoffs)
            if overdue is None:
                continue
            conditions = [*_conditions(branch, filters, overdue[0]), overdue[1]]
        else:
            conditions = _conditions(branch, filters)
        if cursor_kind is not None:
            conditions.append(_after(branch, cursor_kind, descending))
        order = (branch.order.desc(), branch.ident.desc()) if descending else (branch.order, branch.ident)
        window = (
            select(*branch.columns)
            .select_from(branch.source)
            .where(*conditions)
            .order_by(*order)
            .limit(at_most(WINDOW))
            .cte(f"queue_{branch.name}_window")
            .prefix_with("MATERIALIZED")
        )
        hits = (
            select(*window.c)
            .where(whose.owns(window.c.cohort_id, window.c.candidate_id))
            .cte(f"queue_{branch.name}_hits")
            .prefix_with("MATERIALIZED")
        )
        count = select(db.func.count())
        enough = or_(
            count.select_from(hits).scalar_subquery() > PAGE_SIZE,
            count.select_from(window).scalar_subquery() < WINDOW,
        )
        # PostgreSQL tests `enough` once (a one-time filter of the plan); SQLite needs it as the join's gate.
        gate = None if _lateral() else ~enough
        theirs, rows = _driven(branch, owner, conditions, order, gate)
        keys = (rows.c.waiting_since, rows.c.id)
        fallback = (
            (theirs.where(~enough) if gate is None else theirs)
            .order_by(*(k.desc() for k in keys) if descending else keys)
            .limit(at_most(PAGE_SIZE + 1))
            .subquery(f"queue_{branch.name}_owned")
        )
        parts += [select(*hits.c).where(enough), select(*fallback.c)]
    return parts
