"""Workplace assessment pages on the `assessors` blueprint: the assessor's page of a candidate's workplace
assessment (observations, sign-offs, witness requests), planning and recording observations, competence
sign-off, and the candidate's own "Workplace assessment" page with acknowledgement."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assessors.permissions import (
    can_acknowledge,
    can_mark,
    can_read_workplace,
    can_see_observation,
    may_assess,
)
from assessors.queries import modules_of
from assessors.witness.services import requests_of, testimonies
from assessors.workplace.forms import (
    AcknowledgeForm,
    ActionForm,
    PlanObservationForm,
    SignoffForm,
    WithdrawSignoffForm,
    record_form,
)
from assessors.workplace.models import CompetenceSignoff, Observation, ObservationStatus
from assessors.workplace.services import observations as obs_services
from assessors.workplace.services import signoffs as signoff_services
from assessors.workplace.services.signoffs import signoffs_of
from core.accounts.models import Role, User
from core.drafts.queries import draft_of
from core.errors import EditConflict, ValidationFailed
from core.extensions import db
from core.forms import (
    Outcome,
    apply_errors,
    autosave,
    drafted_page,
    opened_with,
    posted_draft,
    send_drafted,
    submit,
    wants_json,
)
from core.web.access import roles, rule
from qualification.cohorts.models import CohortMember, MemberRole
from qualification.cohorts.queries import cohort_roles

bp = Blueprint("workplace", __name__, url_prefix="/assessors")

ASSESSORS = roles(Role.ASSESSOR)
CANDIDATES = roles(Role.CANDIDATE)
PEOPLE = roles(Role.ASSESSOR, Role.CANDIDATE, Role.IQA, Role.COURSE_LEADER, Role.ADMIN)
# The cohort's IQAs and course leaders read a candidate's workplace assessment; only the assessor acts on it.
READERS = roles(Role.ASSESSOR, Role.IQA, Role.COURSE_LEADER, Role.ADMIN)


RECORDED = (
    "Record signed. It is now evidence in the candidate's portfolio, waiting for their acknowledgement."
)
ONCE = "The record was sent twice; it was signed once, and is shown here."


def _number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _assessed_candidate_or_404(candidate_id: int) -> tuple[User, list[dict]]:
    """The candidate, if the signed-in assessor is allocated to them in a cohort they study a module in."""
    candidate = db.session.get(User, candidate_id)
    modules = modules_of(candidate_id) if candidate else []
    if not any(may_assess(current_user, m["cohort_id"], candidate_id) for m in modules):
        abort(404)  # not theirs to know about
    return candidate, [m for m in modules if may_assess(current_user, m["cohort_id"], candidate_id)]


def _readable_candidate_or_404(candidate_id: int) -> tuple[User, list[dict], bool]:
    """The candidate, their modules, and whether the signed-in person assesses them (else reads only)."""
    candidate = db.session.get(User, candidate_id)
    modules = modules_of(candidate_id) if candidate else []
    cohorts = {c: cohort_roles(c, candidate_id) for c in {m["cohort_id"] for m in modules}}
    if candidate is None or not can_read_workplace(current_user, candidate_id, cohorts.values()):
        abort(404)  # not theirs to know about
    assessed = [m for m in modules if can_mark(current_user, cohorts[m["cohort_id"]])]
    return candidate, assessed or modules, bool(assessed)


def _observation_or_404(observation_id: int) -> Observation:
    observation = db.session.get(Observation, observation_id)
    if observation is None or not can_see_observation(
        current_user, observation, cohort_roles(observation.cohort_id, observation.candidate_id)
    ):
        abort(404)
    return observation


def _signoff_choices(modules: list[dict]) -> dict[str, list[tuple[str, str]]]:
    return {
        f"{m['code']} {m['title']}": [
            (f"{m['family']}/{m['code']}/{ref}", f"{ref} {text}") for ref, text in m["criteria"]
        ]
        for m in modules
    }


def _workplace_page(
    candidate: User,
    modules: list[dict],
    status: int = 200,
    *,
    signoff_form=None,
    withdraw=None,
    assessing: bool = True,
):
    signoff_form = signoff_form or SignoffForm(formdata=None)
    signoff_form.criterion.choices = _signoff_choices(modules)
    texts = {(m["family"], m["code"], ref): text for m in modules for ref, text in m["criteria"]}
    page = render_template(
        "assessors/workplace/observations_candidate.html",
        candidate=candidate,
        modules=modules,
        observations=obs_services.observations_of(candidate.id),
        signoffs=signoffs_of(candidate.id),
        testimonies=testimonies(requests_of(candidate.id)),
        texts=texts,
        signoff_form=signoff_form,
        withdraw=withdraw or (None, None),
        withdraw_form=WithdrawSignoffForm(formdata=None),
        action_form=ActionForm(formdata=None),
        states=ObservationStatus,
        assessing=assessing,
    )
    return page, status


@bp.get("/candidates/<int:candidate_id>/workplace")
@rule(READERS)
def candidate_workplace(candidate_id: int):
    candidate, modules, assessing = _readable_candidate_or_404(candidate_id)
    return _workplace_page(candidate, modules, assessing=assessing)


def _school_of(candidate_id: int, cohort_id: int | None) -> str:
    return (
        db.session.scalar(
            db.select(CohortMember.school).where(
                CohortMember.cohort_id == cohort_id,
                CohortMember.user_id == candidate_id,
                CohortMember.role == MemberRole.CANDIDATE,
            )
        )
        or ""
    )


@bp.route("/candidates/<int:candidate_id>/modules/<family>/<code>/observations/new", methods=["GET", "POST"])
@rule(ASSESSORS)
def new_observation(candidate_id: int, family: str, code: str):
    candidate, modules = _assessed_candidate_or_404(candidate_id)
    module = next((m for m in modules if m["family"] == family and m["code"] == code), None)
    if module is None:
        abort(404)
    if request.method == "POST":
        form = PlanObservationForm()
    else:
        form = PlanObservationForm(formdata=None, school=_school_of(candidate_id, module["cohort_id"]))
    outcome = submit(
        form,
        lambda: obs_services.plan_observation(
            current_user,
            candidate_id=candidate_id,
            family=family,
            module_code=code,
            planned_for=form.planned_for.data,
            school=form.school.data,
            focus_md=form.focus_md.data,
            refs=form.criteria.data or [],
        ),
    )
    if outcome:
        flash(f"Observation planned. {candidate.name} has been told.", "success")
        return redirect(url_for(".show_observation", observation_id=outcome.result.id))
    page = render_template(
        "assessors/workplace/observation_new.html", candidate=candidate, module=module, form=form
    )
    return page, outcome.status


def _observation_page(
    observation: Observation, status: int = 200, *, form=None, ack_form=None, conflict=None
):
    candidate = db.session.get(User, observation.candidate_id)
    texts = dict(
        next((m["criteria"] for m in modules_of(candidate.id) if m["code"] == observation.module_code), [])
    )
    assessing = may_assess(current_user, observation.cohort_id, observation.candidate_id)
    key = obs_services.record_key(observation.id)
    if form is None and assessing and observation.status == ObservationStatus.PLANNED:
        draft = draft_of(current_user.id, key)  # the record as the assessor left it, on any device
        form = record_form(observation.refs, **opened_with(draft), version=str(observation.version))
    if ack_form is None and can_acknowledge(current_user, observation):
        ack_form = AcknowledgeForm(formdata=None, version=str(observation.version))
    page = render_template(
        "assessors/workplace/observation.html",
        observation=observation,
        candidate=candidate,
        assessor=db.session.get(User, observation.assessor_id) if observation.assessor_id else None,
        texts=texts,
        assessing=assessing,
        own=observation.candidate_id == current_user.id,
        form=form,
        ack_form=ack_form,
        action_form=ActionForm(formdata=None, version=str(observation.version)),
        conflict=conflict,
        draft=drafted_page(form, key, conflict) if assessing else None,
        judgements=obs_services.JUDGEMENTS,
        states=ObservationStatus,
    )
    return page, status


def _change_observation(observation_id: int, form, key: str, outcome: Outcome, done: str):
    """After one change to an observation: say what was done (`done`) and show it.

    On a conflict the page shows the record as it is now, with what was typed still in the form and the new
    version to save against.
    """
    if outcome:
        flash(done, "success")
        return redirect(url_for(".show_observation", observation_id=observation_id))
    observation = _observation_or_404(observation_id)
    if outcome.conflict:
        form.version.data = str(observation.version)
    return _observation_page(observation, outcome.status, conflict=outcome.conflict, **{key: form})


@bp.get("/observations/<int:observation_id>")
@rule(PEOPLE)
def show_observation(observation_id: int):
    return _observation_page(_observation_or_404(observation_id))


@bp.post("/observations/<int:observation_id>/record")
@rule(ASSESSORS)
def record_observation(observation_id: int):
    """Sign the record; the autosave script posts here too, to keep it as a draft while it is written."""
    observation = _observation_or_404(observation_id)
    refs, limits = observation.refs, obs_services.record_draft_fields(observation)
    if wants_json():
        return autosave(
            lambda: obs_services.save_record_draft(current_user, observation, *posted_draft(limits))
        )
    form = record_form(refs, formdata=request.form)

    def record() -> int:
        obs_services.record_observation(
            current_user,
            observation,
            expected_version=_number(form.version.data),
            observed_on=form.observed_on.data,
            narrative_md=form.narrative_md.data,
            judgements=form.judgements(refs),
            signed_name=form.signed_name.data,
            anonymised=form.anonymised.data,
        )
        return observation.id

    outcome = send_drafted(form, obs_services.record_key(observation_id), limits, record)
    done = ONCE if outcome and outcome.result.again else RECORDED
    return _change_observation(observation_id, form, "form", outcome, done)


@bp.post("/observations/<int:observation_id>/cancel")
@rule(ASSESSORS)
def cancel_observation(observation_id: int):
    observation = _observation_or_404(observation_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    obs_services.cancel_observation(current_user, observation, expected_version=_number(form.version.data))
    db.session.commit()
    flash("Observation cancelled. The candidate has been told.", "success")
    return redirect(url_for(".candidate_workplace", candidate_id=observation.candidate_id))


@bp.post("/observations/<int:observation_id>/acknowledge")
@rule(CANDIDATES)
def acknowledge_observation(observation_id: int):
    observation = _observation_or_404(observation_id)
    form = AcknowledgeForm()

    def answer() -> str:
        if request.form.get("action") == "comment":
            obs_services.comment_on_observation(current_user, observation, comment=form.comment.data)
            return "Your comment was added to the record."
        obs_services.acknowledge_observation(
            current_user, observation, comment=form.comment.data, expected_version=_number(form.version.data)
        )
        return "Thank you: you acknowledged the observation record."

    outcome = submit(form, answer, conflicts=EditConflict)
    return _change_observation(observation_id, form, "ack_form", outcome, outcome.result or "")


# Competence sign-off -----------------------------------------------------------------------------------


@bp.post("/candidates/<int:candidate_id>/signoffs")
@rule(ASSESSORS)
def sign_off(candidate_id: int):
    candidate, modules = _assessed_candidate_or_404(candidate_id)
    form = SignoffForm()
    if not form.validate_on_submit():
        return _workplace_page(candidate, modules, 422, signoff_form=form)
    family, _, rest = (form.criterion.data or "").partition("/")
    code, _, ref = rest.partition("/")
    outcome = submit(
        None,
        lambda: signoff_services.sign_off_criterion(
            current_user,
            candidate_id=candidate_id,
            family=family,
            module_code=code,
            ref=ref,
            basis=form.basis.data,
            note_md=form.note_md.data,
            signed_name=form.signed_name.data,
        ),
    )
    if not outcome:
        # The page asks for module and criterion as one choice, so a module's problem is shown against it.
        errors = dict(outcome.errors)
        if "module" in errors:
            errors["criterion"] = errors.pop("module")
        apply_errors(form, ValidationFailed(errors))
        return _workplace_page(candidate, modules, 422, signoff_form=form)
    flash(f"{ref} signed off.", "success")
    return redirect(url_for(".candidate_workplace", candidate_id=candidate_id, _anchor="signoffs"))


@bp.post("/signoffs/<int:signoff_id>/withdraw")
@rule(ASSESSORS)
def withdraw_signoff(signoff_id: int):
    signoff = db.session.get(CompetenceSignoff, signoff_id)
    if signoff is None or not may_assess(current_user, signoff.cohort_id, signoff.candidate_id):
        abort(404)
    form = WithdrawSignoffForm()
    if not submit(
        form, lambda: signoff_services.withdraw_signoff(current_user, signoff, reason=form.reason.data)
    ):
        candidate, modules = _assessed_candidate_or_404(signoff.candidate_id)
        return _workplace_page(candidate, modules, 422, withdraw=(signoff_id, form))
    flash(f"Sign-off of {signoff.criterion_ref} withdrawn.", "success")
    return redirect(url_for(".candidate_workplace", candidate_id=signoff.candidate_id, _anchor="signoffs"))


# The candidate's own page -------------------------------------------------------------------------------


@bp.get("/workplace")
@rule(CANDIDATES)
def my_workplace():
    modules = modules_of(current_user.id)
    texts = {(m["family"], m["code"], ref): text for m in modules for ref, text in m["criteria"]}
    return render_template(
        "assessors/workplace/observations_mine.html",
        observations=obs_services.observations_of(current_user.id),
        signoffs=signoffs_of(current_user.id),
        testimonies=testimonies(requests_of(current_user.id)),
        texts=texts,
        action_form=ActionForm(formdata=None),
        states=ObservationStatus,
    )
