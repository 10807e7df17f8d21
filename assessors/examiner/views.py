"""External examiner pages on the `assessors` blueprint: granting and revoking access (the cohort's IQA or the
course leader), and the examiner's read-only view of the released decisions of their sample."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from assessors.examiner import services as examiner
from assessors.marking.models import AssessmentKind
from assessors.marking.queries import judged_criteria
from assessors.permissions import QUALITY
from assessors.quality.forms import GrantAccessForm, RevokeAccessForm
from assessors.quality.models import ExaminerAccess
from assessors.quality.services import cohort_for_sampling
from core.accounts.models import Role, User
from core.db.timeutil import long_date, uk_today
from core.extensions import db
from core.forms import submit
from core.web.access import roles, rule
from core.web.words import plural
from portfolio.apl.models import AplClaim
from portfolio.files.services import download_response
from portfolio.submissions.services import submission_with_snapshot
from qualification.cohorts.models import Cohort

bp = Blueprint("examiner", __name__, url_prefix="/assessors")

EXAMINERS = roles(Role.EXAMINER)


# Granting and revoking (IQA, course leader) ------------------------------------------------------------


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = cohort_for_sampling(current_user, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def _grant_form(cohort: Cohort) -> GrantAccessForm:
    form = GrantAccessForm()
    form.examiner.choices = [(0, "Choose an examiner")] + [
        (u.id, f"{u.name} ({u.organisation or u.email})") for u in examiner.examiner_accounts()
    ]
    form.candidates.choices = [(u.id, u.name) for u in examiner.cohort_candidates(cohort.id)]
    return form


def _access_page(cohort: Cohort, form: GrantAccessForm, status: int = 200):
    return render_template(
        "assessors/examiner/examiners.html",
        cohort=cohort,
        form=form,
        grants=examiner.cohort_grants(cohort.id),
        names={u.id: u.name for u in examiner.cohort_candidates(cohort.id)},
        today=uk_today(),
        is_active=examiner.is_active,
        revoke_form=RevokeAccessForm(),
    ), status


@bp.get("/cohorts/<int:cohort_id>/examiners")
@rule(QUALITY)
def list_examiner_access(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    return _access_page(cohort, _grant_form(cohort))


@bp.post("/cohorts/<int:cohort_id>/examiners")
@rule(QUALITY)
def grant_examiner_access(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    form = _grant_form(cohort)
    outcome = submit(
        form,
        lambda: examiner.grant_examiner_access(
            current_user,
            cohort,
            examiner_id=form.examiner.data or None,
            candidate_ids=form.candidates.data or [],
            ends_on=form.ends_on.data,
            note=form.note.data or "",
            today=uk_today(),
        ),
    )
    if not outcome:
        return _access_page(_cohort_or_404(cohort_id), form, outcome.status)
    access = outcome.result
    until = long_date(access.ends_on)
    flash(f"Access granted to {plural(len(access.candidates), 'candidate')} until {until}.", "success")
    return redirect(url_for("assessors.examiner.list_examiner_access", cohort_id=cohort_id))


@bp.post("/cohorts/<int:cohort_id>/examiners/<int:access_id>/revoke")
@rule(QUALITY)
def revoke_examiner_access(cohort_id: int, access_id: int):
    cohort = _cohort_or_404(cohort_id)
    access = db.session.get(ExaminerAccess, access_id)
    if access is None or access.cohort_id != cohort.id:
        abort(404)
    if not RevokeAccessForm().validate_on_submit():
        abort(400)
    if submit(None, lambda: examiner.revoke_examiner_access(current_user, access), conflicts=True):
        flash("Access revoked; the examiner can no longer read the sample.", "success")
    else:
        flash("That access was already revoked.", "info")
    return redirect(url_for("assessors.examiner.list_examiner_access", cohort_id=cohort_id))


# The examiner's own pages --------------------------------------------------------------------------------


@bp.get("/examiner")
@rule(EXAMINERS)
def list_examiner_grants():
    return render_template(
        "assessors/examiner/examiner_home.html",
        grants=examiner.active_grants(current_user, uk_today()),
    )


def _grant_or_404(access_id: int, candidate_id: int) -> ExaminerAccess:
    access = examiner.grant_covering(current_user, access_id, candidate_id, uk_today())
    if access is None:
        abort(404)
    return access


@bp.get("/examiner/<int:access_id>/candidates/<int:candidate_id>")
@rule(EXAMINERS)
def show_examiner_candidate(access_id: int, candidate_id: int):
    access = _grant_or_404(access_id, candidate_id)
    decisions = []
    for assessment in examiner.released_decisions(access, candidate_id):
        if assessment.kind == AssessmentKind.SUBMISSION:
            submission, claim = submission_with_snapshot(assessment.submission_id), None
        else:
            submission, claim = None, db.session.get(AplClaim, assessment.apl_claim_id)
        rows = judged_criteria(assessment, submission)
        decisions.append(
            {"assessment": assessment, "submission": submission, "claim": claim, "criteria": rows}
        )
    people = {
        u.id: u.name
        for u in db.session.scalars(
            select(User).where(
                User.id.in_(
                    [candidate_id]
                    + [d["assessment"].completed_by_id or 0 for d in decisions]
                    + [r.reviewer_id or 0 for d in decisions for r in d["assessment"].reviews]
                )
            )
        )
    }
    return render_template(
        "assessors/examiner/examiner_candidate.html",
        access=access,
        cohort=db.session.get(Cohort, access.cohort_id),
        candidate_id=candidate_id,
        names=people,
        decisions=decisions,
    )


@bp.get("/examiner/<int:access_id>/candidates/<int:candidate_id>/files/<int:version_id>")
@rule(EXAMINERS)
def download_examiner_file(access_id: int, candidate_id: int, version_id: int):
    access = _grant_or_404(access_id, candidate_id)
    version = examiner.released_version(access, candidate_id, version_id)
    if version is None or not version.blob_sha256:
        abort(404)
    return download_response(version.blob_sha256, version.file_name or "evidence")
