"""The cohort report's rows: one per candidate, for a page's candidates, a chunk of the download's, or every
candidate of many cohorts (the report across a leader's cohorts, overview.py), in a fixed number of queries.

Each column is one GROUP BY (or join) over the candidates asked for, never a query per candidate. Columns
owned by higher packages (submissions waiting and for how long, decisions released, last activity) and the
events the charts count are registered by the composition root (`waymark_cohort_report_counts`,
`waymark_cohort_report_activity`), so this package does not import them; every loader takes a list of cohort
ids and the candidates (their ids, a query of them, or None for every candidate), so a page reads its 200
candidates' rows whatever the cohort's size. Whether the award is met is decided in Python by `award_met`,
remembered per distinct set of achieved modules (most candidates share a few). Which candidates the filters
keep, the totals and the charts' counts are SQL over every candidate: cohort.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased

from core.accounts.models import User
from core.extensions import db
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole, MemberStatus
from qualification.pathway.models import PathwayChoice
from qualification.results.models import AchievedBy, ModuleResult
from qualification.results.rules.award import award_closure, award_met
from qualification.results.rules.figures import membership_state
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
# Which candidates a loader reads: their ids, a query selecting their ids, or None for every candidate.
Candidates = Sequence[int] | Select | None


def add_up(column: Column, values: Iterable[object]) -> object:
    """A column's total: counts are summed; for days (the longest wait) the largest, for dates the latest."""
    found = [v for v in values if v is not None]
    return sum(found) if column.kind == COUNT else max(found, default=None)


@dataclass(frozen=True)
class ReportColumns:
    """Columns a higher package owns, loaded together for any number of cohorts in a fixed number of
    queries: load(cohort ids, candidates) -> {key: {(cohort id, candidate id): value}}; and, when it can be
    said in SQL, total(cohort ids, a query of candidate ids) -> {key: total} (else the totals are added up
    from load's values)."""

    columns: tuple[Column, ...]
    load: Callable[[Sequence[int], Candidates], Loaded]
    total: Callable[[Sequence[int], Select], dict[str, object]] | None = None

    def totals(self, cohort_ids: Sequence[int], candidates: Select) -> dict[str, object]:
        if self.total is not None:
            return self.total(cohort_ids, candidates)
        loaded = self.load(cohort_ids, candidates)
        return {c.key: add_up(c, loaded.get(c.key, {}).values()) for c in self.columns}


def column_groups(registered: Iterable) -> list[ReportColumns]:
    """The registered columns; a bare (key, heading, cohort id -> {candidate id: count}) is one count column
    (asked once per cohort for every candidate: give a ReportColumns to keep the report at a fixed cost)."""
    groups = []
    for entry in registered:
        if isinstance(entry, ReportColumns):
            groups.append(entry)
            continue
        key, heading, count = entry

        def load(ids, candidates=None, key=key, count=count) -> Loaded:
            if isinstance(candidates, Select):
                candidates = db.session.scalars(candidates).all()
            wanted = None if candidates is None else set(candidates)
            return {
                key: {
                    (cid, who): n
                    for cid in ids
                    for who, n in count(cid).items()
                    if wanted is None or who in wanted
                }
            }

        groups.append(ReportColumns((Column(key, heading),), load))
    return groups


@dataclass(frozen=True)
class ReportActivity:
    """What happened to the work of the candidates a report counts, for the charts (submissions and
    decisions are higher packages'), counted in the database: a loader takes the cohort id and a query of
    the candidates' ids."""

    submitted: Mapping[date, int] = field(default_factory=dict)  # UK day -> attempts and APL claims sent
    released: Mapping[date, int] = field(default_factory=dict)  # UK day -> decisions released
    # (assessor's name, working days from sending to the decision, how many decisions took that long)
    turnaround: Sequence[tuple[str, int, int]] = ()


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
    """What the rows add up to (see add_up)."""
    values = {column.key: add_up(column, (row.values.get(column.key) for row in rows)) for column in columns}
    return Totals(
        candidates=len(rows),
        states=dict(Counter(row.state for row in rows)),
        achieved=sum(row.achieved for row in rows),
        credits=sum(row.credits for row in rows),
        apl_credits=sum(row.apl_credits for row in rows),
        met=sum(1 for row in rows if row.award_met),
        values=values,
    )


def sort_key(row: ReportRow) -> tuple[str, int]:
    """The report's order: by name, regardless of case; the candidate's id between namesakes."""
    return (row.name.lower(), row.candidate_id)


def candidate_rows(
    cohorts: Sequence[Cohort],
    specs: dict[int, Spec],
    groups: Sequence[ReportColumns] = (),
    candidates: Sequence[int] | None = None,
) -> dict[int, list[ReportRow]]:
    """cohort id -> a row per candidate (those given, or every one): people, results, then the registered
    columns (each group's own fixed number of queries)."""
    ids = [c.id for c in cohorts]
    people = _people(cohorts, specs, candidates)
    _add_results(people, cohorts, specs, candidates)
    for group in groups:
        _add_columns(people, group, group.load(ids, candidates))
    by_cohort: dict[int, list[ReportRow]] = {cid: [] for cid in ids}
    for (cohort_id, _), row in people.items():
        by_cohort[cohort_id].append(row)
    return by_cohort


def _add_results(
    people: dict[tuple[int, int], ReportRow], cohorts: Sequence[Cohort], specs, candidates: Candidates
) -> None:
    """Each row's modules achieved (APL apart), credits, and when the award was met (one query)."""
    credits_in = {c.id: {m.code: m.credits for m in specs[c.version_id].modules} for c in cohorts}
    for (cohort_id, candidate_id), mine in _achieved([c.id for c in cohorts], candidates).items():
        row = people.get((cohort_id, candidate_id))
        if row is None:
            continue
        credits = credits_in[cohort_id]
        row.achieved_on = {code: on for code, (_, on) in mine.items()}
        row.apl = frozenset(code for code, (by_apl, _) in mine.items() if by_apl)
        row.achieved = len(mine)
        row.credits = sum(credits.get(code, 0) for code in mine)
        row.apl_credits = sum(credits.get(code, 0) for code in row.apl)
    judges = {c.id: Judge.of(c, specs[c.version_id]) for c in cohorts}
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


def status_label(status: str | None) -> str | None:
    """The status in words, or None while the candidate is studying (then: invited or joined)."""
    if status is None or status == MemberStatus.ACTIVE:
        return None
    try:
        return MemberStatus(status).label
    except ValueError:
        return str(status)


def _people(
    cohorts: Sequence[Cohort], specs: dict[int, Spec], candidates: Candidates
) -> dict[tuple[int, int], ReportRow]:
    """Candidates with their school, allocated assessor, membership and chosen options: one query."""
    ids = [c.id for c in cohorts]
    mine = [] if candidates is None else [CohortMember.user_id.in_(candidates)]
    compulsory = {c.id: _compulsory_count(c, specs[c.version_id]) for c in cohorts}
    assessor = aliased(User)
    chosen = (
        select(PathwayChoice.member_id, func.count(PathwayChoice.id).label("n"))
        .join(CohortMember, CohortMember.id == PathwayChoice.member_id)
        .where(CohortMember.cohort_id.in_(ids), *mine)
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
        .where(CohortMember.cohort_id.in_(ids), CohortMember.role == MemberRole.CANDIDATE, *mine)
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
            status=status_label(status),
        )
        for cid, uid, name, email, joined, status, school, assessor_id, assessor_name, options in found
    }


def achieved_modules(cohort_ids: Sequence[int], candidates: Candidates = None) -> Select:
    """SQL: a row per (cohort_id, candidate_id, code) of a module achieved in the cohort's qualification, with
    `apl_only` (1: by prior learning alone) and `first`, the day it was first achieved (a module achieved both
    ways counts as assessed, not capped, from its first assessed day). The rows and the totals read it."""
    apl = ModuleResult.how == AchievedBy.APL
    query = (
        select(
            CohortMember.cohort_id.label("cohort_id"),
            ModuleResult.candidate_id.label("candidate_id"),
            ModuleResult.module_code.label("code"),
            func.min(case((apl, 1), else_=0)).label("apl_only"),
            func.coalesce(
                func.min(case((~apl, ModuleResult.achieved_on))), func.min(ModuleResult.achieved_on)
            ).label("first"),
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
        .group_by(CohortMember.cohort_id, ModuleResult.candidate_id, ModuleResult.module_code)
    )
    if candidates is not None:
        query = query.where(ModuleResult.candidate_id.in_(candidates))
    return query


def _achieved(
    cohort_ids: Sequence[int], candidates: Candidates
) -> dict[tuple[int, int], dict[str, tuple[bool, date]]]:
    """(cohort id, candidate id) -> module code -> (by APL only, first achieved on): one query."""
    found: dict[tuple[int, int], dict[str, tuple[bool, date]]] = {}
    if not cohort_ids:
        return found
    for cohort_id, candidate_id, code, apl_only, first in db.session.execute(
        achieved_modules(cohort_ids, candidates)
    ):
        found.setdefault((cohort_id, candidate_id), {})[code] = (bool(apl_only), first)
    return found


def _compulsory_count(cohort: Cohort, spec: Spec) -> int:
    award = next((a for a in spec.awards if a.code == cohort.award_code), None)
    if award is None:
        return 1  # a CPD cohort studies its one module
    return len({code for a in award_closure(award, spec) for code in a.compulsory})


class Judge:
    """award_met with a memory: candidates who achieved the same modules get the same verdict."""

    def __init__(self, award: AwardSpec, spec: Spec) -> None:
        self.award, self.spec = award, spec
        self.known: dict[tuple[frozenset[str], frozenset[str]], bool] = {}

    @classmethod
    def of(cls, cohort: Cohort, spec: Spec) -> Judge | None:
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
