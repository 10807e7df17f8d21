"""A candidate's transcript for one cohort: what counts (live module results, released decisions only), how
each module was achieved, criteria met by prior learning, whether the cohort's award and the awards it
includes are met, and what the exam board made of it (certificates, decisions).

`build_transcripts` reads any number of the cohort's candidates in a fixed number of statements (the exam
board's page shows a hundred), and `build_transcript` is that for one, so the page and the board agree on
what counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from core.extensions import db
from qualification.boards.models import BoardDecision, ExamBoard
from qualification.boards.rules import Standing, standing
from qualification.certificates.models import Certificate
from qualification.cohorts.models import Cohort
from qualification.results.models import AchievedBy, CriterionOutcome, CriterionResult, ModuleResult
from qualification.results.rules.award import AwardVerdict, award_closure, award_met, date_met
from qualification.spec import AwardSpec, Spec
from qualification.versions.services import spec_of_version


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
    # What the exam board has issued in this cohort, newest first (revoked ones say so).
    certificates: list[Certificate] = field(default_factory=list)
    # The exam board's decisions on this candidate in this cohort, the latest first (with their board).
    decisions: list[BoardDecision] = field(default_factory=list)

    @property
    def code(self) -> str:
        """What the cohort's board ratifies: its award, or the module taken as CPD."""
        return self.cohort.award_code or self.cohort.module_code or ""

    @property
    def cpd_line(self) -> Line | None:
        """In a CPD cohort, the line of its module once achieved."""
        if not self.cohort.module_code:
            return None
        return next((line for line in self.lines if line.code == self.cohort.module_code), None)

    @property
    def met(self) -> bool:
        """The award's rules are met (released results, APL within its cap), or the CPD module achieved."""
        if self.cohort.module_code:
            return self.cpd_line is not None
        return self.award is not None and self.award.verdict.ok

    @property
    def standing(self) -> Standing:
        """Where the candidate stands with the exam board: ratified, deferred, waiting for it, or not met."""
        return standing(self.met, self.code, self.certificates, self.decisions)


def build_transcript(candidate_id: int, cohort: Cohort) -> Transcript:
    """The candidate's transcript for one cohort: their results in its qualification and its award."""
    return build_transcripts(cohort, [candidate_id])[candidate_id]


def build_transcripts(
    cohort: Cohort, candidate_ids: Iterable[int], spec: Spec | None = None
) -> dict[int, Transcript]:
    """Transcripts of the cohort's candidates by id, in five statements whatever their number (the spec
    of the cohort's version aside, passed in when the caller has it)."""
    ids = list(dict.fromkeys(candidate_ids))
    version = cohort.qualification_version
    spec = spec or spec_of_version(version)
    family = version.qualification.code
    results, criteria, certificates, decisions = _loaded(cohort, family, ids)
    award = next((a for a in spec.awards if a.code == cohort.award_code), None)
    return {
        who: _transcript(
            cohort,
            spec,
            award,
            results.get(who, []),
            criteria.get(who, []),
            certificates=certificates.get(who, []),
            decisions=decisions.get(who, []),
        )
        for who in ids
    }


def _by_candidate(rows) -> dict[int, list]:
    found: dict[int, list] = {}
    for row in rows:
        found.setdefault(row.candidate_id, []).append(row)
    return found


def _loaded(cohort: Cohort, family: str, ids: list[int]):
    """Live module results, criteria met, certificates and board decisions of these candidates."""
    if not ids:
        return {}, {}, {}, {}
    results = db.session.scalars(
        select(ModuleResult)
        .where(
            ModuleResult.candidate_id.in_(ids),
            ModuleResult.family == family,
            ModuleResult.revoked_at.is_(None),
        )
        .order_by(ModuleResult.achieved_on, ModuleResult.id)
    )
    criteria = db.session.execute(
        select(
            CriterionResult.candidate_id,
            CriterionResult.module_code,
            CriterionResult.criterion_ref,
            CriterionResult.outcome,
            CriterionResult.met_by,
        )
        .where(
            CriterionResult.candidate_id.in_(ids),
            CriterionResult.family == family,
            CriterionResult.outcome.in_([CriterionOutcome.MET, CriterionOutcome.MET_BY_APL]),
        )
        .order_by(CriterionResult.module_code, CriterionResult.criterion_ref)
    )
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.cohort_id == cohort.id, Certificate.candidate_id.in_(ids))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    )
    decisions = db.session.scalars(
        select(BoardDecision)
        .join(BoardDecision.board)
        .options(contains_eager(BoardDecision.board))
        .where(ExamBoard.cohort_id == cohort.id, BoardDecision.candidate_id.in_(ids))
        .order_by(BoardDecision.id.desc())
    )
    return (
        _by_candidate(results),
        _by_candidate(criteria),
        _by_candidate(certificates),
        _by_candidate(decisions),
    )


def _transcript(cohort, spec, award, results, criteria, *, certificates, decisions) -> Transcript:
    # One line per module: an assessed result wins over APL (it is not capped), then the earliest.
    best = {}
    for result in sorted(results, key=lambda r: (r.how != AchievedBy.ASSESSMENT, r.achieved_on, r.id)):
        best.setdefault(result.module_code, result)
    apl_refs: dict[str, list[str]] = {}
    how_met: dict[str, list[tuple[str, str]]] = {}
    for _, code, ref, outcome, met_by in criteria:
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
        qualification_title=cohort.qualification_version.title,
        lines=lines,
        credits=sum(line.credits for line in lines),
        apl_elsewhere={code: tuple(refs) for code, refs in apl_refs.items() if code not in best},
        certificates=certificates,
        decisions=decisions,
    )
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
