"""The course leader's cohort report: one row per candidate, in a fixed number of queries.

Each column is one GROUP BY (or join) over the whole cohort, never a query per candidate. Columns owned by
higher packages (submissions waiting and for how long, decisions released, last activity) and the events the
charts count are registered by the composition root (`waymark_cohort_report_counts`,
`waymark_cohort_report_activity`), so this package does not import them; every loader takes a list of cohort
ids, so the report across a leader's cohorts (overview.py) costs the same few queries. Whether the award is
met is decided in Python by `award_met`, remembered per distinct set of achieved modules (most candidates
share a few). Filters (module, membership, assessor) are applied to the rows in Python: the queries, and
so their number, are the same whatever is chosen.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core.accounts.models import User
from core.extensions import db
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole, MemberStatus
from qualification.pathway.models import PathwayChoice
from qualification.results.models import AchievedBy, ModuleResult
from qualification.results.rules.award import award_closure, award_met
from qualification.results.rules.figures import NOT_ALLOCATED, membership_state
from qualification.spec import AwardSpec, Spec
from qualification.versions.models import Qualification, QualificationVersion

# Candidates a page of the report's table shows: the totals and charts count every candidate the filters
# keep, the CSV and workbook have every one of them, and the page's HTML stays small (20,000 candidates
# were a 6 MB page, a quarter of its time spent escaping values).
PAGE_SIZE = 200

# What a column's values are, which says how the page shows them and what their total is.
COUNT, DAYS, DATE = "count", "days", "date"  # summed; the largest; the latest


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: str = COUNT

    @property
    def is_date(self) -> bool:
        return self.kind == DATE

    @property
    def is_count(self) -> bool:
        return self.kind == COUNT

    @property
    def table_heading(self) -> str | tuple[str, str]:
        """As ui.data_table takes it: numbers are right-aligned."""
        return self.heading if self.is_date else (self.heading, "number")


# {key: {(cohort id, candidate id): value}}
Loaded = dict[str, dict[tuple[int, int], object]]


@dataclass(frozen=True)
class ReportColumns:
    """Columns a higher package owns, loaded together for any number of cohorts in a fixed number of
    queries: load(cohort ids) -> {key: {(cohort id, candidate id): value}}."""

    columns: tuple[Column, ...]
    load: Callable[[Sequence[int]], Loaded]


def column_groups(registered: Iterable) -> list[ReportColumns]:
    """The registered columns; a bare (key, heading, cohort id -> {candidate id: count}) is one count column
    (asked once per cohort: give a ReportColumns to keep the report across cohorts at a fixed cost)."""
    groups = []
    for entry in registered:
        if isinstance(entry, ReportColumns):
            groups.append(entry)
            continue
        key, heading, count = entry

        def load(ids, key=key, count=count) -> Loaded:
            return {key: {(cid, who): n for cid in ids for who, n in count(cid).items()}}

        groups.append(ReportColumns((Column(key, heading),), load))
    return groups


@dataclass(frozen=True)
class ReportActivity:
    """What happened to a cohort's work, for the charts (submissions and decisions are higher packages')."""

    submitted: Sequence[tuple[int, date]] = ()  # (candidate id, UK date) of each attempt or APL claim sent
    released: Sequence[tuple[int, date]] = ()  # (candidate id, UK date) of each decision released
    # (candidate id, assessor's name, working days from sending to the decision) of each decision made
    turnaround: Sequence[tuple[int, str, int]] = ()


@dataclass
class ReportRow:
    candidate_id: int
    name: str
    email: str
    school: str
    assessor: str
    achieved: int
    on_pathway: int
    credits: int
    assessor_id: int | None = None
    joined: bool = True
    status: str | None = None  # the membership's status in words when not studying ("Withdrawn")
    apl_credits: int = 0
    values: dict[str, object] = field(default_factory=dict)
    award_met: bool = False
    met_on: date | None = None
    # module code -> the first day it was achieved (the module filter and the progress chart read it)
    achieved_on: dict[str, date] = field(default_factory=dict)
    apl: frozenset[str] = frozenset()  # the modules achieved by prior learning only

    @property
    def state(self) -> str:
        return membership_state(self.joined, self.status)


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

    def keeps(self, row: ReportRow) -> bool:
        if self.module and (self.module in row.achieved_on) != self.achieved:
            return False
        if self.state and row.state != self.state:
            return False
        if self.assessor == NOT_ALLOCATED:
            return row.assessor_id is None
        return not self.assessor or str(row.assessor_id) == self.assessor


@dataclass(frozen=True)
class Totals:
    """What a set of candidates adds up to: a cohort report's totals row, or one cohort's line here."""

    candidates: int = 0
    states: dict[str, int] = field(default_factory=dict)
    achieved: int = 0
    credits: int = 0
    apl_credits: int = 0
    met: int = 0
    values: dict[str, object] = field(default_factory=dict)


def totals_of(rows: Sequence[ReportRow], columns: Iterable[Column]) -> Totals:
    """Counts are summed; for days (the longest wait) the largest is shown, for dates the latest."""
    values: dict[str, object] = {}
    for column in columns:
        found = [v for row in rows if (v := row.values.get(column.key)) is not None]
        if column.kind == COUNT:
            values[column.key] = sum(found)
        else:
            values[column.key] = max(found, default=None)
    return Totals(
        candidates=len(rows),
        states=dict(Counter(row.state for row in rows)),
        achieved=sum(row.achieved for row in rows),
        credits=sum(row.credits for row in rows),
        apl_credits=sum(row.apl_credits for row in rows),
        met=sum(1 for row in rows if row.award_met),
        values=values,
    )


@dataclass
class CohortReport:
    cohort: Cohort
    award: AwardSpec | None
    spec: Spec
    columns: list[Column]
    rows: list[ReportRow]  # the candidates the filters keep
    everyone: list[ReportRow]  # every candidate of the cohort (the filters' choices come from these)
    filters: ReportFilters = ReportFilters()

    @property
    def totals(self) -> Totals:
        return totals_of(self.rows, self.columns)


def cohort_report(
    cohort: Cohort, spec: Spec, registered: Iterable = (), filters: ReportFilters = ReportFilters()
) -> CohortReport:
    """Every candidate of the cohort with their progress, results and whether the award is met."""
    groups = column_groups(registered)
    rows = candidate_rows([cohort], {cohort.version_id: spec}, groups)[cohort.id]
    award = next((a for a in spec.awards if a.code == cohort.award_code), None)
    columns = [column for group in groups for column in group.columns]
    ordered = sorted(rows, key=sort_key)
    kept = [row for row in ordered if filters.keeps(row)]
    return CohortReport(cohort, award, spec, columns, kept, ordered, filters)


def sort_key(row: ReportRow) -> tuple[str, int]:
    """The report's order: by name, regardless of case; the candidate's id between namesakes."""
    return (row.name.lower(), row.candidate_id)


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


def page_of(
    report: CohortReport, *, after: int | None = None, before: int | None = None, size: int | None = None
) -> ReportPage:
    """The rows after (or before) a candidate in the report's order: a keyset page, so a candidate who joins
    or leaves while someone pages never shifts a page or shows twice. The key is the candidate's place in the
    order (name, id), found among every candidate, so it holds when that candidate is filtered out; an
    unknown candidate (removed, or a made-up id) gives the first page."""
    rows, size = report.rows, size or PAGE_SIZE
    anchor_id = after if after is not None else before
    anchor = next((r for r in report.everyone if r.candidate_id == anchor_id), None)
    if anchor is not None and after is not None:
        start = bisect_right(rows, sort_key(anchor), key=sort_key)
        end = start + size
    elif anchor is not None:
        end = bisect_left(rows, sort_key(anchor), key=sort_key)
        start = max(0, end - size)
    else:
        start, end = 0, size
    shown = rows[start:end]
    return ReportPage(
        rows=shown,
        first=start + 1 if shown else 0,
        next_after=shown[-1].candidate_id if shown and end < len(rows) else None,
        prev_before=shown[0].candidate_id if shown and start > 0 else None,
    )


def candidate_rows(
    cohorts: Sequence[Cohort], specs: dict[int, Spec], groups: Sequence[ReportColumns] = ()
) -> dict[int, list[ReportRow]]:
    """cohort id -> a row per candidate: people, results, then the registered columns (each group's own
    fixed number of queries)."""
    ids = [c.id for c in cohorts]
    people = _people(cohorts, specs)
    _add_results(people, cohorts, specs)
    for group in groups:
        _add_columns(people, group, group.load(ids))
    by_cohort: dict[int, list[ReportRow]] = {cid: [] for cid in ids}
    for (cohort_id, _), row in people.items():
        by_cohort[cohort_id].append(row)
    return by_cohort


def _add_results(people: dict[tuple[int, int], ReportRow], cohorts: Sequence[Cohort], specs) -> None:
    """Each row's modules achieved (APL apart), credits, and when the award was met (one query)."""
    credits_in = {c.id: {m.code: m.credits for m in specs[c.version_id].modules} for c in cohorts}
    for (cohort_id, candidate_id), mine in _achieved([c.id for c in cohorts]).items():
        row = people.get((cohort_id, candidate_id))
        if row is None:
            continue
        credits = credits_in[cohort_id]
        row.achieved_on = {code: on for code, (_, on) in mine.items()}
        row.apl = frozenset(code for code, (by_apl, _) in mine.items() if by_apl)
        row.achieved = len(mine)
        row.credits = sum(credits.get(code, 0) for code in mine)
        row.apl_credits = sum(credits.get(code, 0) for code in row.apl)
    judges = {c.id: _Judge.of(c, specs[c.version_id]) for c in cohorts}
    for (cohort_id, _), row in people.items():
        judge = judges[cohort_id]
        if judge is not None and row.achieved_on:
            row.met_on = judge.date_met(row)
            row.award_met = row.met_on is not None


def _add_columns(people: dict[tuple[int, int], ReportRow], group: ReportColumns, loaded) -> None:
    """One registered group's values into every row (a count the group did not find is 0)."""
    for key, row in people.items():
        for column in group.columns:
            found = loaded.get(column.key, {}).get(key)
            row.values[column.key] = 0 if found is None and column.kind == COUNT else found


def membership_status_column():
    """The column the report reads a candidate's standing from (studying, on a break, withdrawn,
    transferred): `CohortMember.status`; while studying, the report says invited or joined instead."""
    return CohortMember.status


def _status_label(status: str | None) -> str | None:
    """The status in words, or None while the candidate is studying (then: invited or joined)."""
    if status is None or status == MemberStatus.ACTIVE:
        return None
    try:
        return MemberStatus(status).label
    except ValueError:
        return str(status)


def _people(cohorts: Sequence[Cohort], specs: dict[int, Spec]) -> dict[tuple[int, int], ReportRow]:
    """Candidates with their school, allocated assessor, membership and chosen options: one query."""
    ids = [c.id for c in cohorts]
    compulsory = {c.id: _compulsory_count(c, specs[c.version_id]) for c in cohorts}
    assessor = aliased(User)
    chosen = (
        select(PathwayChoice.member_id, func.count(PathwayChoice.id).label("n"))
        .join(CohortMember, CohortMember.id == PathwayChoice.member_id)
        .where(CohortMember.cohort_id.in_(ids))
        .group_by(PathwayChoice.member_id)
        .subquery()
    )
    found = db.session.execute(
        select(
            CohortMember.cohort_id,
            CohortMember.user_id,
            User.name,
            User.email,
            User.password_hash.is_not(None),
            membership_status_column(),
            CohortMember.school,
            assessor.id,
            assessor.name,
            func.coalesce(chosen.c.n, 0),
        )
        .join(User, User.id == CohortMember.user_id)
        .outerjoin(
            AssessorAllocation,
            (AssessorAllocation.cohort_id == CohortMember.cohort_id)
            & (AssessorAllocation.candidate_id == CohortMember.user_id),
        )
        .outerjoin(assessor, assessor.id == AssessorAllocation.assessor_id)
        .outerjoin(chosen, chosen.c.member_id == CohortMember.id)
        .where(CohortMember.cohort_id.in_(ids), CohortMember.role == MemberRole.CANDIDATE)
    )
    return {
        (cid, uid): ReportRow(
            uid,
            name,
            email,
            school or "",
            assessor_name or "",
            0,
            compulsory[cid] + options,
            0,
            assessor_id=assessor_id,
            joined=bool(joined),
            status=_status_label(status),
        )
        for cid, uid, name, email, joined, status, school, assessor_id, assessor_name, options in found
    }


def _achieved(cohort_ids: Sequence[int]) -> dict[tuple[int, int], dict[str, tuple[bool, date]]]:
    """(cohort id, candidate id) -> module code -> (by APL only, first achieved on), in the cohort's
    qualification: one query."""
    found: dict[tuple[int, int], dict[str, tuple[bool, date]]] = {}
    if not cohort_ids:
        return found
    rows = db.session.execute(
        select(
            CohortMember.cohort_id,
            ModuleResult.candidate_id,
            ModuleResult.module_code,
            ModuleResult.how,
            func.min(ModuleResult.achieved_on),
        )
        .join(CohortMember, CohortMember.user_id == ModuleResult.candidate_id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .join(QualificationVersion, QualificationVersion.id == Cohort.version_id)
        .join(Qualification, Qualification.id == QualificationVersion.qualification_id)
        .where(
            CohortMember.cohort_id.in_(cohort_ids),
            CohortMember.role == MemberRole.CANDIDATE,
            ModuleResult.family == Qualification.code,
            ModuleResult.revoked_at.is_(None),
        )
        .group_by(
            CohortMember.cohort_id, ModuleResult.candidate_id, ModuleResult.module_code, ModuleResult.how
        )
    )
    for cohort_id, candidate_id, code, how, first in rows:
        by_apl = how == AchievedBy.APL
        mine = found.setdefault((cohort_id, candidate_id), {})
        # A module achieved both ways counts as assessed (not capped), from its earliest day.
        if code not in mine or (mine[code][0] and not by_apl):
            mine[code] = (by_apl, first)
    return found


def _compulsory_count(cohort: Cohort, spec: Spec) -> int:
    award = next((a for a in spec.awards if a.code == cohort.award_code), None)
    if award is None:
        return 1  # a CPD cohort studies its one module
    return len({code for a in award_closure(award, spec) for code in a.compulsory})


class _Judge:
    """award_met with a memory: candidates who achieved the same modules get the same verdict."""

    def __init__(self, award: AwardSpec, spec: Spec) -> None:
        self.award, self.spec = award, spec
        self.known: dict[tuple[frozenset[str], frozenset[str]], bool] = {}

    @classmethod
    def of(cls, cohort: Cohort, spec: Spec) -> _Judge | None:
        award = next((a for a in spec.awards if a.code == cohort.award_code), None)
        return None if award is None else cls(award, spec)

    def met(self, codes: frozenset[str], apl: frozenset[str]) -> bool:
        key = (codes, apl)
        if key not in self.known:
            self.known[key] = award_met(self.award, self.spec, codes, apl=apl).ok
        return self.known[key]

    def date_met(self, row: ReportRow) -> date | None:
        """The first day the award was met (None when it is not)."""
        on, apl = row.achieved_on, row.apl
        if not self.met(frozenset(on), apl):
            return None
        for day in sorted(set(on.values())):
            codes = frozenset(c for c, first in on.items() if first <= day)
            if self.met(codes, codes & apl):
                return day
        return None
