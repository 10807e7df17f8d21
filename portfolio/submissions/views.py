"""The `submissions` blueprint: module submissions as frozen snapshots, APL claims, the portfolio export."""

from __future__ import annotations

import os
from datetime import date
from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from core.accounts.models import Role, User
from core.drafts.models import FormDraft
from core.drafts.queries import draft_of
from core.drafts.services import Sent
from core.errors import ValidationFailed
from core.extensions import db
from core.forms import autosave, drafted_page, opened_with, posted_draft, send_drafted, submit, wants_json
from core.web.access import SIGNED_IN, roles, rule
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.apl.rules import CHANGE_FIELDS, NEW_FIELDS, claim_key, new_claim_key
from portfolio.apl.services import (
    apl_cap,
    apl_cohorts,
    award_module_codes,
    can_claim_apl,
    change_claim,
    claims_of,
    draft_claim,
    module_of,
    save_claim_changes_draft,
    save_new_claim_draft,
    submit_claim,
)
from portfolio.evidence.models import EvidenceItem
from portfolio.export.queries import build_export, export_file_name
from portfolio.files.queries import download_url
from portfolio.files.services import accept_upload, download_response
from portfolio.permissions import can_send_claim_now, can_view_claim, can_view_submission
from portfolio.submissions.forms import (
    AplClaimForm,
    ChangeClaimForm,
    SubmitClaimForm,
    SubmitModuleForm,
    WithdrawForm,
    claim_form_data,
)
from portfolio.submissions.queries import leader_told, with_whom
from portfolio.submissions.services import (
    active_enrolment,
    active_enrolments,
    may_submit_again,
    module_criteria,
    submission_review,
    submission_with_snapshot,
    submissions_of,
    submit_module,
    withdraw_submission,
)
from qualification.cohorts.models import NO_COHORT, Cohort
from qualification.cohorts.queries import assessor_of, cohort_roles
from qualification.versions.services import spec_of_version

bp = Blueprint("submissions", __name__, url_prefix="/portfolio")
CANDIDATES = roles(Role.CANDIDATE)


# Submissions -----------------------------------------------------------------------------------------


@bp.route("/submissions")
@rule(CANDIDATES)
def list_submissions():
    attempts = submissions_of(current_user.id)
    by_module = {key: list(rows) for key, rows in groupby(attempts, key=lambda s: (s.family, s.module_code))}
    modules = [
        (e.family, e.module_code, e.module.title, by_module.pop((e.family, e.module_code), []), True)
        for e in active_enrolments(current_user.id)
    ]
    # Attempts at modules no longer studied (a dropped option) are kept and still listed.
    modules += [(family, code, code, rows, False) for (family, code), rows in by_module.items()]
    rows = [
        {
            "family": family,
            "code": code,
            "title": title,
            "attempts": attempts,
            "can_submit": studying and may_submit_again(attempts[-1] if attempts else None),
        }
        for family, code, title, attempts, studying in modules
    ]
    return render_template("portfolio/submissions/list.html", rows=rows)


@bp.route("/submissions/new/<family>/<code>", methods=["GET", "POST"])
@rule(CANDIDATES)
def new_submission(family: str, code: str):
    enrolment = active_enrolment(current_user.id, family, code)
    if enrolment is None:
        abort(404)
    form = SubmitModuleForm()
    outcome = submit(
        form,
        lambda: submit_module(
            current_user,
            family=family,
            module_code=code,
            statement_md=form.statement.data or "",
            gaps_confirmed=form.confirm_gaps.data or "",
        ),
        conflicts=True,
    )
    if outcome:
        submission = outcome.result
        flash(
            f"{code} is submitted (attempt {submission.attempt}) and is "
            f"{with_whom(submission.cohort_id, current_user.id)}. Your evidence is frozen as it is now; "
            "you can keep editing your portfolio.",
            "success",
        )
        return redirect(url_for("portfolio.submissions.show_submission", submission_id=submission.id))
    if outcome.conflict:
        form.form_errors.append(outcome.conflict)
    if outcome.message is not None:
        enrolment = active_enrolment(current_user.id, family, code)
    review = submission_review(current_user.id, enrolment)
    return render_template(
        "portfolio/submissions/new.html",
        enrolment=enrolment,
        plan=review.plan,
        review=review,
        form=form,
        assessor=assessor_of(enrolment.cohort_id, current_user.id),
    ), outcome.status


@bp.route("/submissions/<int:submission_id>")
@rule(SIGNED_IN)
def show_submission(submission_id: int):
    submission = submission_with_snapshot(submission_id)
    roles = cohort_roles(submission.cohort_id, submission.candidate_id) if submission else NO_COHORT
    if not can_view_submission(current_user, submission, roles):
        abort(404)  # whether a submission exists is not for others to know
    criteria = [
        (ref, text, [e for e in submission.entries if e.criterion_ref == ref])
        for ref, text in module_criteria(submission.module_id)
    ]
    known = {ref for ref, _, _ in criteria}
    criteria += [(e.criterion_ref, "", [e]) for e in submission.entries if e.criterion_ref not in known]
    return render_template(
        "portfolio/submissions/show.html",
        submission=submission,
        candidate=db.session.get(User, submission.candidate_id),
        assessor=assessor_of(submission.cohort_id, submission.candidate_id),
        leader_told=leader_told(submission.cohort_id, submission.candidate_id),
        criteria=criteria,
        download_url=download_url,
        withdraw_form=WithdrawForm(),
    )


@bp.route("/submissions/<int:submission_id>/withdraw", methods=["POST"])
@rule(CANDIDATES)
def withdraw(submission_id: int):
    submission = submission_with_snapshot(submission_id)
    if submission is None or submission.candidate_id != current_user.id:
        abort(404)
    withdraw_submission(current_user, submission)
    db.session.commit()
    flash(f"Attempt {submission.attempt} of {submission.module_code} is withdrawn.", "success")
    return redirect(url_for("portfolio.submissions.list_submissions"))


# Prior learning ----------------------------------------------------------------------------------------


@bp.route("/apl")
@rule(CANDIDATES)
def list_claims():
    caps = [(cohort, apl_cap(current_user.id, cohort)) for cohort in apl_cohorts(current_user.id)]
    return render_template(
        "portfolio/submissions/apl_list.html", claims=claims_of(current_user.id), caps=caps
    )


@bp.route("/apl/new")
@rule(CANDIDATES)
def start_claim():
    choices = []
    for cohort in apl_cohorts(current_user.id):
        spec = spec_of_version(cohort.qualification_version)
        titles = {m.code: m for m in spec.modules}
        codes = award_module_codes(spec, cohort.award_code)
        choices.append((cohort, apl_cap(current_user.id, cohort), [titles[c] for c in codes if c in titles]))
    return render_template("portfolio/submissions/apl_start.html", choices=choices)


def _claim_form(module, draft: FormDraft | None, form_class=AplClaimForm, **opened):
    """The claim form, opened with the candidate's unsent draft if any (else `opened`: a claim's details)."""
    form = form_class(**(opened_with(draft) or (opened if request.method == "GET" else {})))
    if isinstance(form, AplClaimForm):
        form.outcome.choices = [(o.ref, f"{o.ref} {o.text}") for o in module.outcomes]
        form.criteria.choices = [(c.ref, f"{c.ref} {c.text}") for o in module.outcomes for c in o.criteria]
    items = db.session.scalars(
        select(EvidenceItem)
        .where(EvidenceItem.candidate_id == current_user.id, EvidenceItem.deleted_at.is_(None))
        .order_by(EvidenceItem.id.desc())
    )
    form.evidence.choices = [(i.id, i.current.title) for i in items if i.current is not None]
    return form


def _details(form: ChangeClaimForm) -> dict:
    """What the claim form puts forward, for the claim services (the certificate file stored first)."""
    chosen = form.certificate_file.data
    try:
        certificate = accept_upload(current_user.id, chosen.stream, chosen.filename) if chosen else None
    except ValidationFailed as exc:  # not a claim block: the upload's refusal goes on this field
        raise ValidationFailed({"certificate_file": " ".join(exc.errors.values())}) from exc
    return {
        "awarding_body": form.awarding_body.data or "",
        "certificate_title": form.certificate_title.data or "",
        "certificate_level": form.certificate_level.data,
        "certificate_credits": form.certificate_credits.data,
        "awarded_on": form.awarded_on.data,
        "certificate": certificate,
        "experience_md": form.experience.data or "",
        "own_part_md": form.own_part.data or "",
        "evidence_item_ids": form.evidence.data or [],
    }


def _claim_sent(sent: Sent, done: str):
    """After the claim form was sent: say what became of the claim, and show it."""
    claim = db.get_or_404(AplClaim, sent.result_id)
    if sent.again:
        flash("The form was sent twice; it was acted on once. Here is your claim.", "info")
    elif claim.status == AplStatus.SUBMITTED:
        flash(f"Your claim is {with_whom(claim.cohort_id, current_user.id)}.", "success")
    else:
        flash(done, "success")
    return redirect(url_for("portfolio.submissions.show_claim", claim_id=claim.id))


def _claim_form_page(form, outcome, key: str, cohort: Cohort, module, claim: AplClaim | None = None):
    return render_template(
        "portfolio/submissions/apl_new.html",
        form=form,
        cohort=cohort,
        module=module,
        cap=apl_cap(current_user.id, cohort),
        assessor=assessor_of(cohort.id, current_user.id),
        claim=claim,
        draft=drafted_page(form, key, outcome.conflict),
        conflict=outcome.conflict,
    ), outcome.status


@bp.route("/apl/new/<int:cohort_id>/<code>", methods=["GET", "POST"])
@rule(CANDIDATES)
def new_claim(cohort_id: int, code: str):
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_claim_apl(current_user, cohort):
        abort(404)
    cap = apl_cap(current_user.id, cohort)
    module = module_of(cohort, code)
    if module is None or cap is None or code not in cap.module_codes:
        abort(404)
    if wants_json():
        return autosave(lambda: save_new_claim_draft(current_user, cohort, code, *posted_draft(NEW_FIELDS)))
    key = new_claim_key(cohort.id, code)
    form = _claim_form(module, draft_of(current_user.id, key))

    def make() -> int:
        claim = draft_claim(
            current_user,
            cohort_id=cohort.id,
            module_code=code,
            scope=form.scope.data,
            refs=form.criteria.data or [],
            outcome_ref=form.outcome.data,
            **_details(form),
        )
        if request.form.get("action") == "submit":
            submit_claim(current_user, claim)
        return claim.id

    outcome = send_drafted(form, key, NEW_FIELDS, make)
    if outcome:
        return _claim_sent(outcome.result, "Your claim is saved as a draft.")
    return _claim_form_page(form, outcome, key, cohort, module)


@bp.route("/apl/<int:claim_id>/edit", methods=["GET", "POST"])
@rule(CANDIDATES)
def edit_claim(claim_id: int):
    """Change a draft claim, or one the assessor asked more evidence for, and send it (again)."""
    claim = db.session.get(AplClaim, claim_id)
    cohort = db.session.get(Cohort, claim.cohort_id) if claim and claim.cohort_id else None
    if cohort is None or claim.candidate_id != current_user.id:
        abort(404)  # someone else's claim: not theirs to know about
    if wants_json():
        return autosave(lambda: save_claim_changes_draft(current_user, claim, *posted_draft(CHANGE_FIELDS)))
    if request.method == "GET" and not can_send_claim_now(current_user, claim):
        flash("This claim is with the assessor or decided, so it cannot be changed now.", "info")
        return redirect(url_for("portfolio.submissions.show_claim", claim_id=claim.id))
    key, module = claim_key(claim.id), module_of(cohort, claim.module_code)
    form = _claim_form(module, draft_of(current_user.id, key), ChangeClaimForm, data=claim_form_data(claim))

    def make() -> int:
        change_claim(current_user, claim, **_details(form))
        if request.form.get("action") == "submit":
            submit_claim(current_user, claim)
        return claim.id

    outcome = send_drafted(form, key, CHANGE_FIELDS, make)
    if outcome:
        return _claim_sent(outcome.result, "Your changes to the claim are saved.")
    return _claim_form_page(form, outcome, key, cohort, module, claim)


def _claim_page(claim: AplClaim, *, error: str | None = None, status: int = 200):
    if not can_view_claim(current_user, claim, cohort_roles(claim.cohort_id, claim.candidate_id)):
        abort(404)
    cohort = db.session.get(Cohort, claim.cohort_id) if claim.cohort_id else None
    mine = claim.candidate_id == current_user.id
    return render_template(
        "portfolio/submissions/apl_show.html",
        claim=claim,
        claimant=db.session.get(User, claim.candidate_id),
        assessor=assessor_of(claim.cohort_id, claim.candidate_id),
        leader_told=leader_told(claim.cohort_id, claim.candidate_id),
        cap=apl_cap(claim.candidate_id, cohort) if cohort and mine else None,
        submit_form=SubmitClaimForm(),
        certificate_url=url_for("portfolio.submissions.claim_certificate", claim_id=claim.id)
        if claim.certificate_sha256
        else None,
        error=error,
    ), status


@bp.route("/apl/<int:claim_id>")
@rule(SIGNED_IN)
def show_claim(claim_id: int):
    claim = db.get_or_404(AplClaim, claim_id)
    return _claim_page(claim)


@bp.route("/apl/<int:claim_id>/submit", methods=["POST"])
@rule(CANDIDATES)
def send_claim(claim_id: int):
    claim = db.session.get(AplClaim, claim_id)
    if claim is None or claim.candidate_id != current_user.id:
        abort(404)
    outcome = submit(None, lambda: submit_claim(current_user, claim), conflicts=True)
    if outcome.conflict and claim.status == AplStatus.SUBMITTED:  # the second click of a double click
        return _claim_sent(Sent(claim.id, again=True), "")
    if not outcome:
        return _claim_page(db.session.get(AplClaim, claim_id), error=outcome.message, status=outcome.status)
    flash(f"Your claim is {with_whom(claim.cohort_id, current_user.id)}.", "success")
    return redirect(url_for("portfolio.submissions.show_claim", claim_id=claim.id))


@bp.route("/apl/<int:claim_id>/certificate")
@rule(SIGNED_IN)
def claim_certificate(claim_id: int):
    claim = db.session.get(AplClaim, claim_id)
    if claim is None or not claim.certificate_sha256:
        abort(404)
    if not can_view_claim(current_user, claim, cohort_roles(claim.cohort_id, claim.candidate_id)):
        abort(404)
    return download_response(claim.certificate_sha256, claim.certificate_file_name or "certificate")


# Export ------------------------------------------------------------------------------------------------


@bp.route("/export")
@rule(CANDIDATES)
def export_portfolio():
    archive = build_export(current_user.id)
    size = os.fstat(archive.fileno()).st_size
    response = send_file(
        archive,
        mimetype="application/zip",
        as_attachment=True,
        download_name=export_file_name(current_user.name, date.today()),  # noqa: DTZ011 - the user's day
        max_age=0,
    )
    response.content_length = size
    return response
