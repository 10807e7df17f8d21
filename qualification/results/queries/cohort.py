"""One cohort's report: which candidates the filters keep, what they add up to, a page of them, and the
downloads' chunks, each costing the same few statements whatever the cohort's size.

The filters are SQL: `kept` is a query of the kept candidates' ids, never a list in Python. The totals, the
membership states, the credits per candidate, the days modules were first achieved and the registered
columns' totals are GROUP BYs over it in the database (a few rows each); only a page's or a chunk's
candidates get rows (report.candidate_rows). Pages and chunks are keyset reads in the report's order (name
regardless of case, then id): a candidate who joins or leaves while someone pages never shifts a page or
shows twice, and the download's memory is a chunk's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from sqlalchemy import BigInteger, Select, and_, case, cast, false, func, literal, or_, select
from sqlalchemy.orm import aliased

from core.accounts.models import User
from core.db.paging import by_name
from core.extensions import db
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole, MemberStatus
from qualification.results.models import ModuleResult
from qualification.results.queries import report as rows
from qualification.results.queries.report import (
    Column,
    Judge,
    ReportColumns,
    ReportRow,
    Totals,
    achieved_modules,
    candidate_rows,
    column_groups,
    membership_status_column,
)
from qualification.results.rules.figures import (
    INVITED,
    JOINED,
    NOT_ALLOCATED,
    membership_state,
    states_in_order,
)
from qualification.spec import AwardSpec, Spec

CHUNK = 500  # candidates a download reads at a time
MASK_BITS = 62  # modules per bit mask (a signed 64-bit integer on either database)


@dataclass(frozen=True)
class ReportFilters:
    """Which candidates the page shows: by a module (achieved or not yet), membership state and assessor."""

    module: str | None = None
    achieved: bool = True
    state: str | None = None
    assessor: str | None = None  # an assessor's id, or NOT_ALLOCATED

    @property
    def active(self) -> bool:
        return bool(self.module or self.state or self.assessor)


@dataclass(frozen=True)
class Choices:
    """What the filter form offers: the states and assessors the cohort's candidates have."""

    states: list[str]
    assessors: list[tuple[str, int]]  # (name, id), by name
    unallocated: bool  # some candidate has no assessor


@dataclass(frozen=True)
class ReportPage:
    """One page of the table: the rows, the position of the first among the candidates kept (from 1; 0 when
    there are none), and the candidates the next page starts after and the previous one ends before."""

    rows: list[ReportRow]
    first: int
    next_after: int | None
    prev_before: int | None

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


@dataclass
class CohortReport:
    """The report of the candidates the filters keep; what it adds up to is read when first asked for."""

    cohort: Cohort
    award: AwardSpec | None
    spec: Spec
    groups: list[ReportColumns]
    filters: ReportFilters = field(default_factory=ReportFilters)
    columns: list[Column] = field(init=False)

    def __post_init__(self) -> None:
        self.columns = [column for group in self.groups for column in group.columns]

    @cached_property
    def kept(self) -> Select:
        """SQL: the ids of the cohort's candidates the filters keep."""
        return kept_candidates(self.cohort, self.spec, self.filters)

    @cached_property
    def _people(self) -> tuple[Counter[str], Counter[str], Choices]:
        return _states_and_choices(self.cohort, self.kept)

    @property
    def everyone(self) -> int:
        """How many candidates the cohort has, whatever the filters."""
        return sum(self._people[0].values())

    @property
    def choices(self) -> Choices:
        return self._people[2]

    @cached_property
    def _results(self) -> tuple[Counter[int], int, int, int, int]:
        return _results(self.cohort, self.spec, self.kept)

    @property
    def credits(self) -> Counter[int]:
        """Credits achieved -> how many of the kept candidates have that many (0 included)."""
        counts = Counter(self._results[0])
        none = self.totals.candidates - sum(counts.values())
        if none:
            counts[0] += none
        return +counts

    @cached_property
    def firsts(self) -> Counter[date]:
        """Day -> how many modules the kept candidates first achieved that day."""
        found = achieved_modules([self.cohort.id], self.kept).subquery()
        query = select(found.c.first, func.count()).group_by(found.c.first)
        return Counter(dict(db.session.execute(query).all()))

    @cached_property
    def totals(self) -> Totals:
        states = self._people[1]
        _, achieved, credits, apl_credits, met = self._results
        values: dict[str, object] = {}
        for group in self.groups:
            values.update(group.totals([self.cohort.id], self.kept))
        return Totals(
            candidates=sum(states.values()),
            states=dict(states),
            achieved=achieved,
            credits=credits,
            apl_credits=apl_credits,
            met=met,
            values={column.key: values.get(column.key) for column in self.columns},
        )

    def rows_for(self, ids: Sequence[int]) -> list[ReportRow]:
        """These candidates' rows, in the order given."""
        specs = {self.cohort.version_id: self.spec}
        found = candidate_rows([self.cohort], specs, self.groups, list(ids))[self.cohort.id]
        place = {candidate: n for n, candidate in enumerate(ids)}
        return sorted(found, key=lambda row: place[row.candidate_id])

    def chunks(self, size: int = CHUNK) -> Iterator[list[ReportRow]]:
        """Every kept candidate's row in the report's order, `size` candidates at a time. The order is read
        once (ids only: sorting by name again for each chunk cost 40 ms a chunk at 20,000 candidates); the
        rows, their columns and their text are a chunk's at a time."""
        key = by_name(User.name)
        order = db.session.scalars(select(User.id).where(User.id.in_(self.kept)).order_by(key, User.id)).all()
        for start in range(0, len(order), size):
            yield self.rows_for(order[start : start + size])


def cohort_report(
    cohort: Cohort, spec: Spec, registered=(), filters: ReportFilters | None = None
) -> CohortReport:
    """The report of the cohort's candidates the filters keep (nothing is read until it is asked for)."""
    award = next((a for a in spec.awards if a.code == cohort.award_code), None)
    return CohortReport(cohort, award, spec, column_groups(registered), filters or ReportFilters())


def kept_candidates(cohort: Cohort, spec: Spec, filters: ReportFilters) -> Select:
    """SQL: the ids of the cohort's candidates the filters keep (by a module achieved or not yet, their
    membership in words, their assessor or none)."""
    member = CohortMember
    query = select(member.user_id).where(member.cohort_id == cohort.id, member.role == MemberRole.CANDIDATE)
    if filters.module:
        achieved = (
            select(ModuleResult.id)
            .where(
                ModuleResult.candidate_id == member.user_id,
                ModuleResult.family == spec.code,
                ModuleResult.module_code == filters.module,
                ModuleResult.revoked_at.is_(None),
            )
            .exists()
        )
        query = query.where(achieved if filters.achieved else ~achieved)
    if filters.state:
        query = query.join(User, User.id == member.user_id).where(_in_state(filters.state))
    if filters.assessor:
        allocated = select(AssessorAllocation.id).where(
            AssessorAllocation.cohort_id == member.cohort_id,
            AssessorAllocation.candidate_id == member.user_id,
        )
        if filters.assessor == NOT_ALLOCATED:
            query = query.where(~allocated.exists())
        elif filters.assessor.isdigit() and str(int(filters.assessor)) == filters.assessor:
            query = query.where(
                allocated.where(AssessorAllocation.assessor_id == int(filters.assessor)).exists()
            )
        else:
            query = query.where(false())
    return query


def _in_state(state: str):
    """SQL: the membership (joined with its user) is in this state, as `membership_state` words it."""
    status = membership_status_column()
    studying = or_(status.is_(None), status == MemberStatus.ACTIVE)
    if state == INVITED:
        return and_(studying, User.password_hash.is_(None))
    if state == JOINED:
        return and_(studying, User.password_hash.is_not(None))
    named = [s for s in MemberStatus if s != MemberStatus.ACTIVE and s.label == state]
    return status.in_(named) if named else false()


def _states_and_choices(cohort: Cohort, kept: Select) -> tuple[Counter[str], Counter[str], Choices]:
    """Every candidate's state and the kept ones', and the filters' choices: one GROUP BY (a row per state
    and assessor)."""
    assessor = aliased(User)
    is_kept = case((CohortMember.user_id.in_(kept), 1), else_=0)
    status = membership_status_column()
    found = db.session.execute(
        select(status, User.password_hash.is_not(None), assessor.id, assessor.name, is_kept, func.count())
        .join(User, User.id == CohortMember.user_id)
        .outerjoin(
            AssessorAllocation,
            (AssessorAllocation.cohort_id == CohortMember.cohort_id)
            & (AssessorAllocation.candidate_id == CohortMember.user_id),
        )
        .outerjoin(assessor, assessor.id == AssessorAllocation.assessor_id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.role == MemberRole.CANDIDATE)
        .group_by(status, User.password_hash.is_not(None), assessor.id, assessor.name, is_kept)
    ).all()
    everyone: Counter[str] = Counter()
    kept_states: Counter[str] = Counter()
    assessors: set[tuple[str, int]] = set()
    for status_value, joined, assessor_id, name, in_kept, n in found:
        state = membership_state(bool(joined), rows.status_label(status_value))
        everyone[state] += n
        if in_kept:
            kept_states[state] += n
        if assessor_id is not None:
            assessors.add((name, assessor_id))
    unallocated = any(assessor_id is None for _, _, assessor_id, *_ in found)
    return everyone, kept_states, Choices(states_in_order(everyone), sorted(assessors), unallocated)


def _results(cohort: Cohort, spec: Spec, kept: Select) -> tuple[Counter[int], int, int, int, int]:
    """The kept candidates' results added up: (credits -> candidates with at least one module, modules
    achieved, credits, credits by APL, how many met the award), from one GROUP BY over each candidate's set
    of modules (as bit masks: most candidates share a few sets)."""
    codes = [m.code for m in spec.modules]
    credits = {m.code: m.credits for m in spec.modules}
    per_module = achieved_modules([cohort.id], kept).subquery()
    parts = [codes[i : i + MASK_BITS] for i in range(0, len(codes), MASK_BITS)] or [[]]

    def mask(part: list[str], apl: bool):
        bits = case(
            *((per_module.c.code == code, literal(1 << n)) for n, code in enumerate(part)),
            else_=literal(0),
        )
        if apl:
            bits = bits * per_module.c.apl_only
        return cast(func.sum(bits), BigInteger)  # PostgreSQL sums bigints as numeric

    masks = [mask(part, apl) for apl in (False, True) for part in parts]
    per_candidate = (
        select(func.count().label("n"), *(m.label(f"m{i}") for i, m in enumerate(masks)))
        .group_by(per_module.c.candidate_id)
        .subquery()
    )
    columns = [per_candidate.c.n, *(per_candidate.c[f"m{i}"] for i in range(len(masks)))]
    found = db.session.execute(select(*columns, func.count()).group_by(*columns)).all()
    judge = Judge.of(cohort, spec)
    credit_counts: Counter[int] = Counter()
    achieved = total = apl_total = met = 0
    for n, *found_masks, candidates in found:
        have = _decode(found_masks[: len(parts)], parts)
        apl = _decode(found_masks[len(parts) :], parts)
        mine = sum(credits[c] for c in have)
        credit_counts[mine] += candidates
        achieved += n * candidates
        total += mine * candidates
        apl_total += sum(credits[c] for c in apl) * candidates
        if judge is not None and judge.met(have, apl):
            met += candidates
    return credit_counts, achieved, total, apl_total, met


def _decode(masks: Sequence[int | None], parts: list[list[str]]) -> frozenset[str]:
    return frozenset(
        code
        for value, part in zip(masks, parts, strict=True)
        for n, code in enumerate(part)
        if (value or 0) >> n & 1
    )


def _beyond(key, anchor: tuple[str, int], *, after: bool):
    """SQL: the candidate comes after (or before) the anchor's place in the report's order."""
    name, candidate = anchor
    if after:
        return or_(key > name, and_(key == name, User.id > candidate))
    return or_(key < name, and_(key == name, User.id < candidate))


def page_of(
    report: CohortReport, *, after: int | None = None, before: int | None = None, size: int | None = None
) -> ReportPage:
    """The rows after (or before) a candidate in the report's order: a keyset page. The key is the
    candidate's place in the order (name, id), found among every candidate of the cohort, so it holds when
    that candidate is filtered out; an unknown candidate (removed, or a made-up id) gives the first page."""
    size = size or rows.PAGE_SIZE
    key = by_name(User.name)
    anchor_id = after if after is not None else before
    anchor = None
    if anchor_id is not None:
        found = db.session.execute(
            select(key)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(
                User.id == anchor_id,
                CohortMember.cohort_id == report.cohort.id,
                CohortMember.role == MemberRole.CANDIDATE,
            )
        ).first()
        anchor = None if found is None else (found[0], anchor_id)
    query = select(User.id, key).where(User.id.in_(report.kept))
    backwards = anchor is not None and after is None
    if anchor is not None:
        query = query.where(_beyond(key, anchor, after=not backwards))
    order = (key.desc(), User.id.desc()) if backwards else (key, User.id)
    shown = db.session.execute(query.order_by(*order).limit(size)).all()
    if backwards:
        shown.reverse()
    if not shown:
        return ReportPage([], 0, None, None)
    (first_id, first_key), (last_id, last_key) = shown[0], shown[-1]
    earlier, later = db.session.execute(
        select(
            func.coalesce(func.sum(case((_beyond(key, (first_key, first_id), after=False), 1), else_=0)), 0),
            func.coalesce(func.sum(case((_beyond(key, (last_key, last_id), after=True), 1), else_=0)), 0),
        ).where(User.id.in_(report.kept))
    ).one()
    return ReportPage(
        rows=report.rows_for([candidate for candidate, _ in shown]),
        first=earlier + 1,
        next_after=last_id if later else None,
        prev_before=first_id if earlier else None,
    )
