"""Internal quality assurance pages on the `assessors` blueprint: the sampling plan and its coverage, the
IQA's work list, and the review, sample and reopen actions (also offered at the foot of the marking page)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from assessors.decisions.services import reopen_decision, review_decision, sample_decision
from assessors.marking.models import Assessment, AssessmentKind, Decision
from assessors.marking.queries import judged_criteria
from assessors.permissions import QUALITY, can_sample_now, is_cohort_iqa, roles_of_assessment
from assessors.quality import services as quality
from assessors.quality.forms import ReopenForm, ReviewForm, SampleForm, SamplingPlanForm
from core.accounts.models import User
from core.errors import InvalidTransition
from core.extensions import db
from core.forms import submit
from core.web.access import rule
from portfolio.apl.models import AplClaim
from portfolio.submissions.services import submission_with_snapshot
from qualification.cohorts.models import Cohort
from qualification.permissions import can_manage_cohort

bp = Blueprint("quality", __name__, url_prefix="/assessors")

KEPT = " Your text is kept below."


@bp.app_template_global()
def quality_decision_label(decision: str | None) -> str:
    """A decision in words, as the IQA and examiner pages show it."""
    return Decision(decision).label if decision else "Not decided yet"


# The sampling plan and its coverage --------------------------------------------------------------------


def _plan_form(cohort: Cohort, assessors: list[User], *, fill: bool) -> SamplingPlanForm:
    form = SamplingPlanForm() if not fill else SamplingPlanForm(formdata=None)
    form.trainees.choices = [(u.id, u.name) for u in assessors]
    if fill:
        values = quality.plan_values(cohort.id)
        form.version.data = str(values.version)
        form.base_percent.data = values.base_percent
        form.first_decisions.data = values.first_decisions
        form.all_apl.data = values.all_apl
        form.all_referrals.data = values.all_referrals
        form.all_trainees.data = values.all_trainees
        form.trainees.data = sorted(values.trainees)
    return form


def _plan_values(form: SamplingPlanForm) -> quality.PlanValues:
    return quality.PlanValues(
        form.base_percent.data,
        form.first_decisions.data,
        bool(form.all_apl.data),
        bool(form.all_referrals.data),
        bool(form.all_trainees.data),
        frozenset(form.trainees.data or []),
        int(form.version.data),
    )


@bp.route("/cohorts/<int:cohort_id>/sampling", methods=["GET", "POST"])
@rule(QUALITY)
def edit_sampling_plan(cohort_id: int):
    cohort = quality.cohort_for_sampling(current_user, cohort_id)
    if cohort is None:
        abort(404)
    assessors = quality.cohort_assessors(cohort.id)
    form = _plan_form(cohort, assessors, fill=request.method == "GET")
    done = submit(
        form, lambda: quality.save_sampling_plan(current_user, cohort, _plan_values(form)), conflicts=True
    )
    if done:
        flash("The sampling plan is saved." if done.result else "Nothing changed.", "success")
        return redirect(url_for("assessors.quality.edit_sampling_plan", cohort_id=cohort_id))
    if done.status == 409:
        form.form_errors.append(done.conflict)
        # Saving again is now a choice made after seeing the other change, not a silent overwrite.
        form.version.data = str(quality.plan_values(cohort_id).version)
    if request.method == "POST":
        cohort = db.session.get(Cohort, cohort_id)
    return render_template(
        "assessors/quality/sampling.html",
        cohort=cohort,
        form=form,
        has_assessors=bool(assessors),
        coverage=quality.coverage(cohort.id),
    ), done.status


# The IQA's work list ---------------------------------------------------------------------------------


@bp.route("/iqa")
@rule(QUALITY)
def list_iqa_work():
    waiting, unsampled = quality.iqa_work(current_user)
    may_sample = {w.assessment.id for w in unsampled if can_sample_now(current_user, w.assessment)}
    return render_template(
        "assessors/quality/iqa_work.html",
        waiting=waiting,
        unsampled=unsampled,
        own={w.assessment.id for w in waiting if w.assessment.completed_by_id == current_user.id},
        may_sample=may_sample,
        cohorts=quality.quality_cohorts(current_user),
        limit=quality.WORK_LIST_LIMIT,
    )


# Review beside the evidence ------------------------------------------------------------------------------


def _assessment_or_404(assessment_id: int) -> Assessment:
    """The decision, when the person quality-assures its cohort; a 404 for everyone else."""
    assessment = db.get_or_404(Assessment, assessment_id)
    if not (is_cohort_iqa(current_user, roles_of_assessment(assessment)) or can_manage_cohort(current_user)):
        abort(404)
    return assessment


def _file_url(version) -> str | None:
    if not version.blob_sha256:
        return None
    return url_for("portfolio.files.download_version", sha256=version.blob_sha256, version_id=version.id)


def _subject(assessment: Assessment) -> dict:
    """What was judged: the submission's snapshot or the APL claim, and each criterion with its evidence,
    its allowed methods and what backs it."""
    subject = {"submission": None, "claim": None}
    if assessment.kind == AssessmentKind.SUBMISSION:
        subject["submission"] = submission_with_snapshot(assessment.submission_id)
    else:
        subject["claim"] = db.session.get(AplClaim, assessment.apl_claim_id)
    subject["criteria"] = judged_criteria(assessment, subject["submission"])
    return subject


def _review_page(assessment: Assessment, *, status: int = 200, kept: dict | None = None, errors=None):
    subject = _subject(assessment)
    names = {
        u.id: u.name
        for u in db.session.scalars(
            select(User).where(
                User.id.in_(
                    [assessment.candidate_id, assessment.completed_by_id or 0]
                    + [r.reviewer_id or 0 for r in assessment.reviews]
                )
            )
        )
    }
    return render_template(
        "assessors/quality/iqa_review.html",
        assessment=assessment,
        cohort=db.session.get(Cohort, assessment.cohort_id) if assessment.cohort_id else None,
        names=names,
        quality_input=kept or {},
        quality_errors=errors or {},
        file_url=_file_url if assessment.kind == AssessmentKind.SUBMISSION else lambda _v: None,
        **subject,
    ), status


@bp.get("/assessments/<int:assessment_id>/review")
@rule(QUALITY)
def show_review(assessment_id: int):
    return _review_page(_assessment_or_404(assessment_id))


def _act(assessment_id: int, form, call, kept_field: str, done: str, then: str):
    """Validate a posted action, run one service, commit, flash and redirect; or re-show the review page."""
    assessment = _assessment_or_404(assessment_id)
    kept = {kept_field: (request.form.get(kept_field) or "")} if kept_field else {}
    if not form.validate_on_submit():
        errors = {"": " ".join(e for errs in form.errors.values() for e in errs)}
        return _review_page(assessment, status=422, kept=kept, errors=errors)
    outcome = submit(None, lambda: call(assessment, int(form.version.data)), conflicts=True)
    if not outcome:
        errors = outcome.errors
        if outcome.status == 409:
            errors = {"": outcome.conflict + (KEPT if kept.get(kept_field) else ""), "conflict": "1"}
        return _review_page(
            _assessment_or_404(assessment_id), status=outcome.status, kept=kept, errors=errors
        )
    flash(done, "success")
    return redirect(then)


@bp.post("/assessments/<int:assessment_id>/review")
@rule(QUALITY)
def review_assessment(assessment_id: int):
    verdict = request.form.get("verdict", "")
    done = (
        "You agreed with the decision; it is ready for release."
        if verdict == "agree"
        else "The decision is returned to the assessor with your reasons. The candidate sees nothing yet."
    )
    return _act(
        assessment_id,
        ReviewForm(),
        lambda a, version: review_decision(
            current_user,
            a,
            verdict=verdict,
            reasons_md=request.form.get("reasons_md", ""),
            expected_version=version,
        ),
        "reasons_md",
        done,
        url_for("assessors.quality.list_iqa_work"),
    )


def _sample(assessment: Assessment, version: int) -> None:
    if assessment.version != version:
        # The decision moved since the page was opened (reviewed, released, reopened): look again first.
        raise InvalidTransition("This decision changed since you opened the page; look at it again.")
    sample_decision(current_user, assessment)


@bp.post("/assessments/<int:assessment_id>/sample")
@rule(QUALITY)
def sample_assessment(assessment_id: int):
    return _act(
        assessment_id,
        SampleForm(),
        _sample,
        "",
        "The decision is sampled: review it below before it is released.",
        url_for("assessors.quality.show_review", assessment_id=assessment_id),
    )


@bp.post("/assessments/<int:assessment_id>/reopen")
@rule(QUALITY)
def reopen_assessment(assessment_id: int):
    return _act(
        assessment_id,
        ReopenForm(),
        lambda a, version: reopen_decision(
            current_user, a, reason=request.form.get("reason", ""), expected_version=version
        ),
        "reason",
        "The decision is reopened for the assessor; your reason is in the audit log.",
        url_for("assessors.quality.show_review", assessment_id=assessment_id),
    )
