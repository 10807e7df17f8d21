"""Transcripts: the candidate's own (`transcripts.show_transcript`) and the staff view of one candidate's.

A transcript lists what counts (live module results, released decisions only), how each was achieved, the
criteria met by prior learning, and whether the cohort's award and the awards it includes are met.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy import select

from core.accounts.models import User
from core.db.timeutil import UK, utcnow
from core.extensions import db
from core.files.downloads import content_disposition
from core.web.access import SIGNED_IN, rule
from qualification.cohorts.models import Cohort, CohortMember, MemberRole
from qualification.cohorts.queries import cohort_or_404, cohort_roles
from qualification.permissions import MANAGERS, can_manage_cohort, can_view_transcript
from qualification.results.models import AchievedBy, CriterionOutcome, CriterionResult
from qualification.results.queries import cohort_report, report_csv
from qualification.results.rules import AwardVerdict, award_closure, award_met, date_met
from qualification.results.services import live_module_results
from qualification.spec import AwardSpec
from qualification.versions.services import spec_of_version

bp = Blueprint("results", __name__)


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
    by_apl = db.session.execute(
        select(CriterionResult.module_code, CriterionResult.criterion_ref)
        .where(
            CriterionResult.candidate_id == candidate_id,
            CriterionResult.family == family,
            CriterionResult.outcome == CriterionOutcome.MET_BY_APL,
        )
        .order_by(CriterionResult.module_code, CriterionResult.criterion_ref)
    ).all()
    apl_refs: dict[str, list[str]] = {}
    for code, ref in by_apl:
        apl_refs.setdefault(code, []).append(ref)
    lines = [
        Line(
            r.module_code,
            r.title,
            r.level,
            r.credits,
            AchievedBy(r.how).label,
            r.achieved_on,
            tuple(apl_refs.get(r.module_code, ()) if r.how == AchievedBy.ASSESSMENT else ()),
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


def _candidate_cohorts(user_id: int) -> list[Cohort]:
    return list(
        db.session.scalars(
            select(Cohort)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(CohortMember.user_id == user_id, CohortMember.role == MemberRole.CANDIDATE)
            .order_by(Cohort.start_date, Cohort.id)
        )
    )


@bp.route("/transcript")
@rule(SIGNED_IN)
def show_transcript():
    transcripts = [build_transcript(current_user.id, c) for c in _candidate_cohorts(current_user.id)]
    return render_template(
        "qualification/results/transcript.html",
        candidate=current_user,
        transcripts=transcripts,
        staff_view=False,
    )


@bp.route("/cohorts/<int:cohort_id>/candidates/<int:candidate_id>/transcript")
@rule(SIGNED_IN)
def candidate_transcript(cohort_id: int, candidate_id: int):
    cohort = cohort_or_404(cohort_id)
    roles = cohort_roles(cohort.id, candidate_id)
    is_candidate = candidate_id in roles.ids_with(MemberRole.CANDIDATE)
    # 404 for anyone else's: a candidate must not learn what another has achieved, or that they exist.
    if not is_candidate or not can_view_transcript(current_user, roles):
        abort(404)
    candidate = db.session.get(User, candidate_id)
    return render_template(
        "qualification/results/transcript.html",
        candidate=candidate,
        transcripts=[build_transcript(candidate_id, cohort)],
        staff_view=current_user.id != candidate_id,
    )


def _managed_cohort(cohort_id: int) -> Cohort:
    # Not cohort_or_404: that loads every member (2,000 of them) to decide what managers may always see.
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        abort(404)
    if not can_manage_cohort(current_user, cohort):
        abort(403)
    return cohort


def _counters():
    # Columns owned by higher packages (submissions, decisions), registered by the composition root.
    return current_app.extensions.get("waymark_cohort_report_counts", [])


@bp.route("/cohorts/<int:cohort_id>/report")
@rule(MANAGERS)
def show_report(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    # One url_for, not 2,000: each row's transcript link is this prefix and the candidate's id.
    transcripts = url_for("qualification.cohorts.show_cohort", cohort_id=cohort.id) + "/candidates/"
    return render_template(
        "qualification/results/report.html",
        report=cohort_report(cohort, _counters()),
        transcripts=transcripts,
    )


@bp.route("/cohorts/<int:cohort_id>/report.csv")
@rule(MANAGERS)
def download_report(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    report = cohort_report(cohort, _counters())
    today = utcnow().astimezone(UK).date().isoformat()
    name = re.sub(r"\s+", " ", f"{cohort.name} report {today}.csv").strip()
    response = Response(stream_with_context(report_csv(report)), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(name)
    return response
