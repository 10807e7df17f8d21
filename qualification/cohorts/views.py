"""Cohort pages (`cohorts` blueprint): create, people, allocation, calendar."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from core.accounts.models import User
from core.accounts.services.sessions import normalise_email
from core.db.timeutil import utcnow
from core.errors import EditConflict, ValidationFailed
from core.extensions import db
from core.forms import answer, submit, values, whole
from core.web.access import SIGNED_IN, rule
from core.web.words import plural
from qualification.calendar.forms import NewSessionForm, session_details
from qualification.calendar.rules import past_warning, plan_signature, uk_day, uk_when
from qualification.calendar.services import add_sessions, plan_sessions, publish_calendar, unpublish_calendar
from qualification.cohorts.forms import (
    AllocationForm,
    AllocationRuleForm,
    CandidateForm,
    CandidatesCsvForm,
    CohortForm,
    StaffForm,
    TurnaroundForm,
)
from qualification.cohorts.models import AllocationRule, MemberRole
from qualification.cohorts.queries import (
    allocations,
    assessor_of,
    cohort_or_404,
    cohorts_for,
    load_cohort,
    published_offers,
)
from qualification.cohorts.services import (
    add_staff,
    allocate,
    allocate_evenly,
    create_cohort,
    invite_candidate,
    invite_candidates_csv,
    set_allocation_rule,
    set_turnaround,
)
from qualification.permissions import MANAGERS, can_manage_cohort
from qualification.settings.rules import describe_closure
from qualification.versions.models import QualificationVersion

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")
_ROLE_PHRASES = {"assessor": "an assessor", "tutor": "a tutor"}


def _allocation_choices(form: AllocationForm, members) -> AllocationForm:
    """Fill the allocation form's lists: the cohort's candidates and its assessors."""
    form.candidate.choices = [(m.user_id, m.user.name) for m in members if m.role == MemberRole.CANDIDATE]
    form.assessor.choices = [(m.user_id, m.user.name) for m in members if m.role == MemberRole.ASSESSOR]
    return form


def _unallocated_count(cohort) -> int | None:
    """Work waiting with no assessor in the cohort, when the viewer may see it (assessors count it)."""
    counts = [
        count(current_user, cohort.id)
        for count in current_app.extensions.get("waymark_unallocated_count", [])
    ]
    return next((n for n in counts if n is not None), None)


def _page(cohort, status=200, **forms):
    members = sorted(cohort.members, key=lambda m: (m.role, m.user.name.lower()))
    candidates = [m for m in members if m.role == MemberRole.CANDIDATE]
    assessors = [m for m in members if m.role == MemberRole.ASSESSOR]
    allocation_form = _allocation_choices(forms.pop("allocation_form", None) or AllocationForm(), members)
    context = {
        "cohort": cohort,
        "candidates": candidates,
        "staff": [m for m in members if m.role != MemberRole.CANDIDATE],
        "assessors": {m.user_id: m.user for m in assessors},
        "allocated": allocations(cohort),
        "candidate_form": forms.pop("candidate_form", None) or CandidateForm(prefix="one"),
        "csv_form": forms.pop("csv_form", None) or CandidatesCsvForm(prefix="csv"),
        "staff_form": forms.pop("staff_form", None) or StaffForm(prefix="staff"),
        "allocation_form": allocation_form,
        "can_manage": can_manage_cohort(current_user, cohort),
        "csv_report": forms.pop("csv_report", None),
        "allocation_rule": AllocationRule(cohort.allocation_rule),
        "rule_form": forms.pop("rule_form", None) or AllocationRuleForm(rule=cohort.allocation_rule),
        "unallocated": _unallocated_count(cohort),
        "describe_closure": describe_closure,
        "turnaround_form": forms.pop("turnaround_form", None)
        or TurnaroundForm(days=cohort.turnaround_days, version=cohort.version),
    }
    return render_template("qualification/cohorts/show.html", **context), status


@bp.route("/")
@rule(SIGNED_IN)
def list_cohorts():
    return render_template("qualification/cohorts/list.html", cohorts=cohorts_for(current_user))


def _create(form: CohortForm):
    version_id, kind, code = form.offer.data.split(":", 2)
    return create_cohort(
        current_user,
        name=form.name.data,
        version=db.get_or_404(QualificationVersion, int(version_id)),
        award_code=code if kind == "award" else None,
        module_code=code if kind == "module" else None,
        start_date=form.start_date.data,
        choice_deadline=form.choice_deadline.data,
        turnaround_days=form.turnaround_days.data or 15,
    )


def _back(cohort, anchor: str | None = None):
    return redirect(_at(cohort, anchor))


def _at(cohort, anchor: str | None = None) -> str:
    """A part of the cohort's page (its candidates, staff, allocation...)."""
    return url_for("qualification.cohorts.show_cohort", cohort_id=cohort.id, _anchor=anchor)


@bp.route("/new", methods=["GET", "POST"])
@rule(MANAGERS)
def new_cohort():
    form = CohortForm()
    offers = published_offers()
    form.offer.choices = [(value, label) for value, label, _ in offers]
    done = submit(form, lambda: _create(form))
    if done:
        cohort = done.result
        flash(f"Cohort {cohort.name} created. Now invite its candidates and add its assessors.", "success")
        return redirect(url_for("qualification.cohorts.show_cohort", cohort_id=cohort.id))
    return render_template("qualification/cohorts/new.html", form=form, has_offers=bool(offers))


@bp.route("/<int:cohort_id>")
@rule(SIGNED_IN)
def show_cohort(cohort_id: int):
    return _page(cohort_or_404(cohort_id))


@bp.route("/<int:cohort_id>/candidates", methods=["POST"])
@rule(MANAGERS)
def add_candidate(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = CandidateForm(prefix="one")
    return answer(
        submit(
            form, lambda: invite_candidate(current_user, cohort, **values(form, "name", "email", "school"))
        ),
        lambda invited: _joined(cohort, *invited),
        _at(cohort, "candidates"),
        lambda _: _page(cohort, 422, candidate_form=form),
    )


def _joined(cohort, user, added: bool) -> str:
    """What the leader is told of a candidate they added: already there, their assessor, or none yet."""
    if not added:
        return f"{user.name} was already in the cohort."
    if assessor := assessor_of(cohort.id, user.id):
        return f"{user.name} is in the cohort. Their assessor is {assessor.name}."
    return (
        f"{user.name} is in the cohort. They have no assessor yet: allocate one below, or their work will "
        "wait in the cohort's Unallocated queue."
    )


@bp.route("/<int:cohort_id>/candidates/csv", methods=["POST"])
@rule(MANAGERS)
def add_candidates_csv(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = CandidatesCsvForm(prefix="csv")
    if form.validate_on_submit() and form.csv_file.data:
        report = invite_candidates_csv(current_user, cohort, form.csv_file.data.read())
        db.session.commit()
        if not report.problems:
            flash(
                f"{plural(len(report.added), 'candidate')} invited; "
                f"{len(report.already)} already in the cohort.",
                "success",
            )
            return _back(cohort, "candidates")
        # Good rows are kept even when some lines were wrong; the page lists the lines to fix.
        return _page(load_cohort(cohort.id), 422, csv_report=report)
    form.csv_file.errors = ["Choose a CSV file."]
    return _page(cohort, 422, csv_form=form)


@bp.route("/<int:cohort_id>/staff", methods=["POST"])
@rule(MANAGERS)
def add_staff_member(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = StaffForm(prefix="staff")

    def add():
        user = db.session.scalar(select(User).where(User.email == normalise_email(form.email.data)))
        if user is None:
            raise ValidationFailed({"email": "No account has that email address. Invite them first."})
        return user, add_staff(current_user, cohort, user, MemberRole(form.role.data))

    return answer(
        submit(form, add),
        lambda added: (
            f"{added[0].name} is {_ROLE_PHRASES[form.role.data]} of this cohort."
            if added[1]
            else f"{added[0].name} already was."
        ),
        _at(cohort, "staff"),
        lambda _: _page(cohort, 422, staff_form=form),
    )


@bp.route("/<int:cohort_id>/allocations", methods=["POST"])
@rule(MANAGERS)
def allocate_one(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = _allocation_choices(AllocationForm(), cohort.members)
    back = (
        url_for("assessors.queue.show_unallocated", cohort_id=cohort.id)
        if form.back.data == "unallocated"
        else _at(cohort, "allocation")
    )
    return answer(
        submit(
            form,
            lambda: allocate(
                current_user, cohort, candidate_id=form.candidate.data, assessor_id=form.assessor.data
            ),
        ),
        "Allocation saved.",
        back,
        lambda _: _page(cohort, 422, allocation_form=form),
    )


@bp.route("/<int:cohort_id>/allocations/rule", methods=["POST"])
@rule(MANAGERS)
def set_cohort_allocation_rule(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = AllocationRuleForm()
    return answer(
        submit(form, lambda: set_allocation_rule(current_user, cohort, rule=form.rule.data)),
        lambda _: (
            f"Candidates who join now get an assessor by this rule: {AllocationRule(form.rule.data).label}."
        ),
        _at(cohort, "allocation"),
        lambda _: _page(cohort, 422, rule_form=form),
    )


@bp.route("/<int:cohort_id>/allocations/even", methods=["POST"])
@rule(MANAGERS)
def allocate_all(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    done = submit(None, lambda: allocate_evenly(current_user, cohort))
    if not done:
        flash(done.errors.get("", done.message), "error")
    elif done.result:
        flash(f"{plural(done.result, 'candidate')} allocated, spreading them evenly.", "success")
    else:
        flash("Everyone already has an assessor.", "success")
    return _back(cohort, "allocation")


@bp.route("/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@rule(MANAGERS)
def new_session(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = NewSessionForm()
    plan = None
    if form.is_submitted() and form.repeats()["count"] > 1:
        # Repeating: every date is shown first, and added only once the course leader confirms those dates.
        checked = submit(
            form, lambda: plan_sessions(current_user, cohort, **form.repeats(), **session_details(form))
        )
        plan = checked.result if checked else None
        if plan is None or form.planned.data != plan_signature(plan):
            form.planned.data = plan_signature(plan) if plan else ""
            return _new_session_page(cohort, form, plan, checked.status)
    done = submit(form, lambda: add_sessions(current_user, cohort, **form.repeats(), **session_details(form)))
    if done:
        added = done.result
        if len(added) == 1:
            flash("Session added to the calendar.", "success")
        else:
            first, last = uk_day(added[0].starts_at), uk_day(added[-1].starts_at)
            flash(f"{len(added)} sessions added to the calendar, from {first} to {last}.", "success")
        if warning := past_warning(added, utcnow()):
            flash(warning, "warning")
        return _back(cohort, "calendar")
    return _new_session_page(cohort, form, plan, done.status)


def _new_session_page(cohort, form, plan, status: int):
    shown = [(uk_when(start, end), start <= utcnow()) for start, end in plan or ()]
    return render_template(
        "qualification/cohorts/new_session.html", cohort=cohort, form=form, plan=shown
    ), status


def _switch_calendar(cohort_id: int, service, message: str):
    """Publish or unpublish the cohort's public calendar, then go back to it."""
    cohort = cohort_or_404(cohort_id, manage=True)
    service(current_user, cohort)
    db.session.commit()
    flash(message, "success")
    return _back(cohort, "calendar")


@bp.route("/<int:cohort_id>/calendar/publish", methods=["POST"])
@rule(MANAGERS)
def publish_cohort_calendar(cohort_id: int):
    message = "The calendar is published at a new address. Any older address no longer works."
    return _switch_calendar(cohort_id, publish_calendar, message)


@bp.route("/<int:cohort_id>/calendar/unpublish", methods=["POST"])
@rule(MANAGERS)
def unpublish_cohort_calendar(cohort_id: int):
    message = "The public calendar page and feed are switched off."
    return _switch_calendar(cohort_id, unpublish_calendar, message)


@bp.route("/<int:cohort_id>/turnaround", methods=["POST"])
@rule(MANAGERS)
def set_cohort_turnaround(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = TurnaroundForm()
    done = submit(
        form,
        lambda: set_turnaround(
            current_user, cohort, days=form.days.data, expected_version=whole(form.version.data)
        ),
        conflicts=EditConflict,
    )
    if done:
        flash(f"The turnaround target is now {form.days.data} working days.", "success")
        return _back(cohort, "turnaround")
    if done.status == 409:
        form.days.errors = [done.conflict]
        # What was typed stays in the form; the hidden version moves on so saving again works.
        cohort = load_cohort(cohort_id)
        form.version.data = str(cohort.version)
    return _page(cohort, done.status, turnaround_form=form)
