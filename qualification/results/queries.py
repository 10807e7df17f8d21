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
from qualification.results.models import AchievedBy, CriterionOutcome, CriterionResult, ModuleResult
from qualification.results.rules import AwardVerdict, award_closure, award_met, date_met
from qualification.results.services import live_module_results
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


@dataclass(frozen=True)
class Line:
    """One achieved module on the transcript."""

    code: str
    title: str
    level: int
    credits: int
    how: str
    achieved_on: date
    apl_criteria: tuple[str, ...]
    # Each criterion met, with the assessment method that met it: (ref, "Workplace observation").
    criteria: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AwardLine:
    """An award (the cohort's, or one it includes) and whether the achieved modules meet it."""

    award: AwardSpec
    verdict: AwardVerdict
    met_on: date | None


@dataclass
class Transcript:
    cohort: Cohort
    qualification_title: str
    lines: list[Line]
    credits: int
    award: AwardLine | None = None
    included: list[AwardLine] = field(default_factory=list)
    # Criteria met by prior learning on modules not achieved yet: module code -> criterion refs.
    apl_elsewhere: dict[str, tuple[str, ...]] = field(default_factory=dict)


def build_transcript(candidate_id: int, cohort: Cohort) -> Transcript:
    """The candidate's transcript for one cohort: their results in its qualification and its award."""
    version = cohort.qualification_version
    family = version.qualification.code
    spec = spec_of_version(version)
    results = [r for r in live_module_results(candidate_id) if r.family == family]
    # One line per module: an assessed result wins over APL (it is not capped), then the earliest.
    best = {}
    for result in sorted(results, key=lambda r: (r.how != AchievedBy.ASSESSMENT, r.achieved_on, r.id)):
        best.setdefault(result.module_code, result)
    met = db.session.execute(
        select(
            CriterionResult.module_code,
            CriterionResult.criterion_ref,
            CriterionResult.outcome,
            CriterionResult.met_by,
        )
        .where(
            CriterionResult.candidate_id == candidate_id,
            CriterionResult.family == family,
            CriterionResult.outcome.in_([CriterionOutcome.MET, CriterionOutcome.MET_BY_APL]),
        )
        .order_by(CriterionResult.module_code, CriterionResult.criterion_ref)
    ).all()
    apl_refs: dict[str, list[str]] = {}
    how_met: dict[str, list[tuple[str, str]]] = {}
    for code, ref, outcome, met_by in met:
        if outcome == CriterionOutcome.MET_BY_APL:
            apl_refs.setdefault(code, []).append(ref)
        how_met.setdefault(code, []).append((ref, met_by or "Assessed"))
    lines = [
        Line(
            r.module_code,
            r.title,
            r.level,
            r.credits,
            AchievedBy(r.how).label,
            r.achieved_on,
            tuple(apl_refs.get(r.module_code, ()) if r.how == AchievedBy.ASSESSMENT else ()),
            tuple(how_met.get(r.module_code, ())),
        )
        for r in sorted(best.values(), key=lambda r: (r.achieved_on, r.module_code))
    ]
    transcript = Transcript(
        cohort=cohort,
        qualification_title=version.title,
        lines=lines,
        credits=sum(line.credits for line in lines),
        apl_elsewhere={code: tuple(refs) for code, refs in apl_refs.items() if code not in best},
    )
    award = next((a for a in spec.awards if a.code == cohort.award_code), None)
    if award is None:
        return transcript
    codes = set(best)
    apl = {code for code, r in best.items() if r.how == AchievedBy.APL}
    dated = [(r.module_code, r.achieved_on, r.how == AchievedBy.APL) for r in best.values()]

    def line_for(current: AwardSpec) -> AwardLine:
        verdict = award_met(current, spec, codes, apl=apl)
        return AwardLine(current, verdict, date_met(current, spec, dated) if verdict.ok else None)

    transcript.award = line_for(award)
    transcript.included = [line_for(inner) for inner in award_closure(award, spec)[1:]]
    return transcript
