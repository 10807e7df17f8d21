"""The assessor's queue, the marking page (judge, save, complete) and release, on the `assessors` blueprint.

One page shows a decision: the allocated assessor marks on it while it is in marking; staff read it (with the
IQA's controls at the foot); the candidate reads it only once it is released (404 before, as if it did not
exist). The judgement form carries the version it was opened at, so a stale save is a 409 that keeps the
text; the autosave script posts the same form and gets JSON back.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from assessors.decisions.services import release_decision, release_ready
from assessors.marking.forms import ReleaseForm, StartForm, judgement_form
from assessors.marking.models import Assessment, AssessmentKind, Decision, MarkingStatus
from assessors.marking.queries import judged_criteria, previous_attempt
from assessors.marking.services import (
    CarriedForward,
    assessment_of_submission,
    carry_forward_criteria,
    complete_marking,
    save_judgement,
    start_claim_marking,
    start_submission_marking,
)
from assessors.permissions import ASSESSORS, can_mark, can_view_assessment, roles_of_assessment
from assessors.queue.queries.page import ready_decisions, released_among
from core.accounts.models import User
from core.errors import EditConflict, PermissionDenied, ValidationFailed
from core.extensions import db
from core.forms import apply_errors, refusal, submit, wants_json
from core.web.access import SIGNED_IN, rule
from portfolio.apl.models import AplClaim
from portfolio.apl.queries import claim_snapshot
from portfolio.files.queries import download_url
from portfolio.permissions import can_view_submission
from portfolio.submissions.models import Submission, SubmissionStatus
from portfolio.submissions.services import submission_with_snapshot
from qualification.cohorts.models import Cohort, CohortRoles
from qualification.cohorts.queries import cohort_roles

bp = Blueprint("marking", __name__, url_prefix="/assessors")

REALLOCATED = (
    "This candidate is now allocated to another assessor, who continues this judgement from your last "
    "saved draft. Changes you had not saved were not kept."
)


# The queue ----------------------------------------------------------------------------------------------


# Starting to mark -----------------------------------------------------------------------------------------


@bp.post("/submissions/<int:submission_id>/start")
@rule(ASSESSORS)
def start_submission(submission_id: int):
    submission = db.session.get(Submission, submission_id)
    if submission is None or not can_mark(
        current_user, cohort_roles(submission.cohort_id, submission.candidate_id)
    ):
        abort(404)
    StartForm().validate_on_submit()
    outcome = submit(None, lambda: start_submission_marking(current_user, submission), conflicts=EditConflict)
    # A double click: the other request started it; open that one.
    assessment = outcome.result if outcome else assessment_of_submission(submission_id)
    return _open(assessment, outcome)


def _open(assessment: Assessment | None, outcome):
    if assessment is None:
        raise EditConflict(outcome.message)
    return redirect(url_for("assessors.marking.show_assessment", assessment_id=assessment.id))


@bp.post("/claims/<int:claim_id>/start")
@rule(ASSESSORS)
def start_claim(claim_id: int):
    claim = db.session.get(AplClaim, claim_id)
    if claim is None or not can_mark(current_user, cohort_roles(claim.cohort_id, claim.candidate_id)):
        abort(404)
    StartForm().validate_on_submit()
    outcome = submit(None, lambda: start_claim_marking(current_user, claim), conflicts=EditConflict)
    assessment = outcome.result or db.session.scalar(
        select(Assessment).where(Assessment.apl_claim_id == claim_id).order_by(Assessment.round.desc())
    )
    return _open(assessment, outcome)


# The decision page ---------------------------------------------------------------------------------------


def _viewable(assessment_id: int) -> tuple[Assessment, CohortRoles]:
    """The assessment and its cohort's role context; 404 unless the person may read it."""
    assessment = db.get_or_404(Assessment, assessment_id)
    cohort = roles_of_assessment(assessment)
    if not can_view_assessment(current_user, assessment, cohort):
        if assessment.assessor_id == current_user.id and assessment.candidate_id != current_user.id:
            raise PermissionDenied(REALLOCATED)  # they knew it: say why it is gone rather than a 404
        abort(404)
    return assessment, cohort


def _page(
    assessment: Assessment, roles: CohortRoles, *, form=None, status: int = 200, conflict: str | None = None
):
    submission = claim = None
    if assessment.kind == AssessmentKind.SUBMISSION:
        submission = submission_with_snapshot(assessment.submission_id)
    else:
        claim = db.session.get(AplClaim, assessment.apl_claim_id)
    mine = assessment.candidate_id == current_user.id
    editable = not mine and assessment.status == MarkingStatus.IN_MARKING and can_mark(current_user, roles)
    if form is None and editable:
        form = judgement_form(assessment)
    release_form = ReleaseForm(formdata=None, data={"version": assessment.version})
    # Staff only: the candidate reads their own decisions, never the IQA's reasons on the last one.
    previous = None if mine else previous_attempt(assessment, submission)
    return render_template(
        "assessors/marking/assessment.html",
        assessment=assessment,
        submission=submission,
        claim=claim,
        candidate=db.session.get(User, assessment.candidate_id),
        cohort=db.session.get(Cohort, assessment.cohort_id) if assessment.cohort_id else None,
        criteria=judged_criteria(assessment, submission, workplace=not mine),
        form=form,
        candidate_view=mine,
        decision=Decision(assessment.decision) if assessment.decision else None,
        release_form=release_form,
        conflict=conflict,
        download_url=download_url,
        previous=previous,
        # A later round's changes to the claim show on this round's page too: say so, rather than let the
        # claim below pass for the one this round judged.
        claim_changed=bool(claim and assessment.claim_snapshot)
        and assessment.claim_snapshot != claim_snapshot(claim),
    ), status


@bp.get("/assessments/<int:assessment_id>")
@rule(SIGNED_IN)
def show_assessment(assessment_id: int):
    return _page(*_viewable(assessment_id))


@bp.get("/submissions/<int:submission_id>/assessment")
@rule(SIGNED_IN)
def show_assessment_for_submission(submission_id: int):
    """From a submission to its assessment (or, for its assessor, the button that starts one)."""
    submission = db.get_or_404(Submission, submission_id)
    assessment = assessment_of_submission(submission_id)
    roles = cohort_roles(submission.cohort_id, submission.candidate_id)
    if assessment is not None and can_view_assessment(current_user, assessment, roles):
        return redirect(url_for("assessors.marking.show_assessment", assessment_id=assessment.id))
    if (
        assessment is None
        and submission.status == SubmissionStatus.SUBMITTED
        and can_mark(current_user, roles)
    ):
        return render_template(
            "assessors/marking/assessment.html",
            assessment=None,
            submission=submission,
            candidate=db.session.get(User, submission.candidate_id),
            start_form=StartForm(),
        )
    if submission.candidate_id == current_user.id or not can_view_submission(current_user, submission, roles):
        abort(404)
    flash("Marking of this attempt has not started, or its decision is not yours to read.", "info")
    return redirect(url_for("portfolio.submissions.show_submission", submission_id=submission_id))


def _number(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@bp.post("/assessments/<int:assessment_id>")
@rule(ASSESSORS)
def save_assessment(assessment_id: int):
    """Save the judgement as a draft, or save and complete it (the "action" button pressed)."""
    assessment, roles = _viewable(assessment_id)
    form = judgement_form(assessment)
    form.validate_on_submit()
    completing = request.form.get("action") == "complete"
    carrying = request.form.get("action") == "carry_forward"

    def save() -> CarriedForward | None:
        save_judgement(
            current_user,
            assessment,
            expected_version=_number(form.version.data),
            outcomes=form.outcomes(),
            comments=form.comments(),
            feedback_md=form.feedback_md.data or "",
            action_md=form.action_md.data or "",
            vacs=form.vacs(),
            vacs_notes=form.vacs_notes(),
            decision=form.decision.data or None,
            overrides=form.overrides(),
        )
        if completing:
            complete_marking(current_user, assessment, expected_version=None)
        # What was typed is saved first, so carrying forward never overrides a judgement made here.
        return carry_forward_criteria(current_user, assessment, expected_version=None) if carrying else None

    # A conflict (EditConflict too): someone saved or decided first.
    outcome = submit(None, save, conflicts=True)
    if not outcome:
        if wants_json():
            return refusal(outcome)
        assessment, roles = _viewable(assessment_id)
        if not outcome.conflict:
            _problems_onto(form, ValidationFailed(outcome.errors))
        return _page(assessment, roles, form=form, status=outcome.status, conflict=outcome.conflict)
    if wants_json():
        return jsonify(ok=True, version=assessment.version)
    if carrying:
        _flash_carried(outcome.result)
        return redirect(url_for("assessors.marking.show_assessment", assessment_id=assessment.id))
    if not completing:
        flash(
            "Your draft judgement is saved. Nothing is shown to the candidate until it is released.",
            "success",
        )
        return redirect(url_for("assessors.marking.show_assessment", assessment_id=assessment.id))
    if assessment.status == MarkingStatus.IN_IQA_REVIEW:
        flash(
            "Marking is complete. The decision was sampled for IQA review before it can be released.",
            "success",
        )
    else:
        flash("Marking is complete. The decision is ready for release.", "success")
    return redirect(url_for("assessors.queue.show_queue"))


def _flash_carried(done: CarriedForward) -> None:
    """Say what carrying forward set, and which criteria it left as they were and why."""
    attempt = f"attempt {done.attempt}"
    said = []
    if done.carried:
        said.append(f"Carried forward from {attempt} as met: {', '.join(done.carried)}.")
    else:
        said.append(f"Nothing was carried forward: no criterion met in {attempt} is still open here.")
    if done.judged_otherwise:
        said.append(f"Left as you judged them in this attempt: {', '.join(done.judged_otherwise)}.")
    if done.already_met:
        said.append(f"Already met in this attempt: {', '.join(done.already_met)}.")
    if done.not_here:
        said.append(f"No longer criteria of this module: {', '.join(done.not_here)}.")
    flash(" ".join(said), "success" if done.carried else "info")


def _problems_onto(form, exc: ValidationFailed) -> None:
    """Completion problems against the fields they are about (each open criterion marked, VACS as a group)."""
    errors = dict(exc.errors)
    vacs = errors.pop("vacs", None)
    if vacs:
        form.vacs_errors = [vacs]
        form.form_errors.append(vacs)
    apply_errors(form, ValidationFailed(errors))
    if errors.get("", "").startswith("Judge every criterion"):
        for ref, outcome in form.outcomes().items():
            if outcome is None:
                field, _ = form.criterion_fields(ref)
                field.errors = [*field.errors, f"Choose met or not yet met for {ref}."]


# Release ---------------------------------------------------------------------------------------------------


@bp.get("/release")
@rule(ASSESSORS)
def list_ready():
    return render_template(
        "assessors/marking/ready_for_release.html",
        decisions=ready_decisions(current_user.id),
        form=ReleaseForm(),
    )


@bp.post("/release")
@rule(ASSESSORS)
def release_selected():
    ReleaseForm().validate_on_submit()
    only = request.form.get("only")
    wanted = {_number(v) for v in ([only] if only else request.form.getlist("assessment"))} - {None}
    chosen = [a for a, _ in ready_decisions(current_user.id) if a.id in wanted]
    # Someone else (the IQA, the leader, another tab) may have released some since this page was opened.
    already = released_among(current_user.id, wanted - {a.id for a in chosen})
    if not chosen and not already:
        flash("Choose at least one decision to release.", "error")
        return redirect(url_for("assessors.marking.list_ready"))
    if chosen:
        released = release_ready(current_user, chosen)
        db.session.commit()
        plural = "s" if released != 1 else ""
        flash(f"{released} decision{plural} released; the candidates are told.", "success")
    if already:
        flash(
            "That decision was already released; the candidate has been told."
            if already == 1
            else f"{already} of the decisions were already released; their candidates have been told.",
            "info",
        )
    return redirect(url_for("assessors.marking.list_ready"))


@bp.post("/assessments/<int:assessment_id>/release")
@rule(SIGNED_IN)
def release_one(assessment_id: int):
    assessment, _ = _viewable(assessment_id)
    form = ReleaseForm()
    form.validate_on_submit()
    release_decision(current_user, assessment, expected_version=_number(form.version.data))
    db.session.commit()
    flash("The decision is released; the candidate is told.", "success")
    return redirect(url_for("assessors.marking.show_assessment", assessment_id=assessment.id))
