"""The course leader's cohort report: one row per candidate, in a fixed number of queries.

Each column is one GROUP BY (or join) over the whole cohort, never a query per candidate. Counts owned by
higher packages (submissions waiting, decisions released) are passed in by the view as `counters`, functions
the composition root registers, so this package does not import them. Whether the award is met is decided in
Python by `award_met`, remembered per distinct set of achieved modules (most candidates share a few).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core.accounts.models import User
from core.extensions import db
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole
from qualification.pathway.models import PathwayChoice
from qualification.results.models import AchievedBy, ModuleResult
from qualification.results.rules import award_closure, award_met
from qualification.spec import AwardSpec, Spec
from qualification.versions.services import spec_of_version

# (key, column heading, cohort id -> {candidate id: count})
Counter = tuple[str, str, Callable[[int], dict[int, int]]]
CSV_BATCH = 200


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
    counts: dict[str, int] = field(default_factory=dict)
    award_met: bool = False
    met_on: date | None = None


@dataclass
class CohortReport:
    cohort: Cohort
    award: AwardSpec | None
    columns: list[tuple[str, str]]  # the counters' (key, heading)
    rows: list[ReportRow]

    @property
    def met(self) -> int:
        return sum(1 for row in self.rows if row.award_met)


def cohort_report(cohort: Cohort, counters: Sequence[Counter] = ()) -> CohortReport:
    """Every candidate of the cohort with their progress, results and whether the award is met."""
    version = cohort.qualification_version
    spec = spec_of_version(version)
    family = version.qualification.code
    award = next((a for a in spec.awards if a.code == cohort.award_code), None)
    rows = {row.candidate_id: row for row in _people(cohort, _compulsory_count(award, spec))}
    modules: dict[int, dict[str, tuple[bool, date]]] = {}
    for candidate_id, code, how, first in db.session.execute(
        select(
            ModuleResult.candidate_id,
            ModuleResult.module_code,
            ModuleResult.how,
            func.min(ModuleResult.achieved_on),
        )
        .where(
            ModuleResult.candidate_id.in_(_candidate_ids(cohort)),
            ModuleResult.family == family,
            ModuleResult.revoked_at.is_(None),
        )
        .group_by(ModuleResult.candidate_id, ModuleResult.module_code, ModuleResult.how)
    ):
        by_apl = how == AchievedBy.APL
        mine = modules.setdefault(candidate_id, {})
        # A module achieved both ways counts as assessed (not capped).
        if code not in mine or (mine[code][0] and not by_apl):
            mine[code] = (by_apl, first)
    credits = {m.code: m.credits for m in spec.modules}
    judge = _Judge(award, spec) if award is not None else None
    for candidate_id, mine in modules.items():
        row = rows.get(candidate_id)
        if row is None:
            continue
        row.achieved = len(mine)
        row.credits = sum(credits.get(code, 0) for code in mine)
        if judge is not None:
            row.met_on = judge.date_met(mine)
            row.award_met = row.met_on is not None
    for key, _heading, count in counters:
        found = count(cohort.id)
        for row in rows.values():
            row.counts[key] = found.get(row.candidate_id, 0)
    ordered = sorted(rows.values(), key=lambda r: (r.name.lower(), r.candidate_id))
    return CohortReport(cohort, award, [(key, heading) for key, heading, _ in counters], ordered)


def _candidate_ids(cohort: Cohort):
    return select(CohortMember.user_id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.role == MemberRole.CANDIDATE
    )


def _compulsory_count(award: AwardSpec | None, spec: Spec) -> int:
    if award is None:
        return 1  # a CPD cohort studies its one module
    return len({code for a in award_closure(award, spec) for code in a.compulsory})


def _people(cohort: Cohort, compulsory: int) -> list[ReportRow]:
    """Candidates with their school, allocated assessor and number of chosen options: one query."""
    assessor = aliased(User)
    chosen = (
        select(PathwayChoice.member_id, func.count(PathwayChoice.id).label("n"))
        .join(CohortMember, CohortMember.id == PathwayChoice.member_id)
        .where(CohortMember.cohort_id == cohort.id)
        .group_by(PathwayChoice.member_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            CohortMember.user_id,
            User.name,
            User.email,
            CohortMember.school,
            assessor.name,
            func.coalesce(chosen.c.n, 0),
        )
        .join(User, User.id == CohortMember.user_id)
        .outerjoin(
            AssessorAllocation,
            (AssessorAllocation.cohort_id == cohort.id)
            & (AssessorAllocation.candidate_id == CohortMember.user_id),
        )
        .outerjoin(assessor, assessor.id == AssessorAllocation.assessor_id)
        .outerjoin(chosen, chosen.c.member_id == CohortMember.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.role == MemberRole.CANDIDATE)
    )
    return [
        ReportRow(uid, name, email, school or "", assessor_name or "", 0, compulsory + options, 0)
        for uid, name, email, school, assessor_name, options in rows
    ]


class _Judge:
    """award_met with a memory: candidates who achieved the same modules get the same verdict."""

    def __init__(self, award: AwardSpec, spec: Spec) -> None:
        self.award, self.spec = award, spec
        self.known: dict[tuple[frozenset[str], frozenset[str]], bool] = {}

    def met(self, codes: frozenset[str], apl: frozenset[str]) -> bool:
        key = (codes, apl)
        if key not in self.known:
            self.known[key] = award_met(self.award, self.spec, codes, apl=apl).ok
        return self.known[key]

    def date_met(self, mine: dict[str, tuple[bool, date]]) -> date | None:
        """The first day the award was met (None when it is not)."""
        everything = frozenset(mine)
        if not self.met(everything, frozenset(c for c, (by_apl, _) in mine.items() if by_apl)):
            return None
        for day in sorted({on for _, on in mine.values()}):
            codes = frozenset(c for c, (_, on) in mine.items() if on <= day)
            if self.met(codes, frozenset(c for c in codes if mine[c][0])):
                return day
        return None


CSV_HEADINGS = [
    "Name",
    "Email",
    "School",
    "Assessor",
    "Modules achieved",
    "Modules on pathway",
    "Credits",
]


def report_csv(report: CohortReport) -> Iterator[str]:
    """The report as CSV text, a batch of rows at a time (for a streamed download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*CSV_HEADINGS, *(heading for _, heading in report.columns), "Award met", "Award met on"])
    for n, row in enumerate(report.rows, start=1):
        writer.writerow(
            [
                *(_cell(v) for v in (row.name, row.email, row.school, row.assessor)),
                row.achieved,
                row.on_pathway,
                row.credits,
                *(row.counts.get(key, 0) for key, _ in report.columns),
                "yes" if row.award_met else "no",
                row.met_on.isoformat() if row.met_on else "",
            ]
        )
        if n % CSV_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula (CSV injection): make it text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
