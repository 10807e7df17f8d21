"""A candidate's transcript for one cohort: what counts (live module results, released decisions only), how
each module was achieved, criteria met by prior learning, and whether the cohort's award and the awards it
includes are met."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from core.extensions import db
from qualification.certificates.models import Certificate
from qualification.certificates.queries import certificates_of
from qualification.cohorts.models import Cohort
from qualification.results.models import AchievedBy, CriterionOutcome, CriterionResult
from qualification.results.rules.award import AwardVerdict, award_closure, award_met, date_met
from qualification.results.services import live_module_results
from qualification.spec import AwardSpec
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
        certificates=certificates_of(candidate_id, cohort.id),
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
