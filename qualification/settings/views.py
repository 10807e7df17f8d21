"""A cohort's settings page (`settings` blueprint, under /cohorts like the cohort pages): the settings form,
closure days, moving to a newer version; and copying the cohort for next year."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from core.db.timeutil import long_date, uk_today
from core.errors import EditConflict
from core.forms import answer, submit, values, whole
from core.web.access import rule
from qualification.calendar.rules import format_pounds
from qualification.cohorts.queries import cohort_or_404, load_cohort
from qualification.permissions import MANAGERS
from qualification.settings.forms import (
    ClosureForm,
    CopyForm,
    MoveVersionForm,
    RemoveClosureForm,
    SettingsForm,
)
from qualification.settings.rules import (
    a_year_on,
    describe_closure,
    moment_a_year_on,
    next_years_name,
    supply_pence,
)
from qualification.settings.services import (
    STAFF_ROLES,
    add_closure,
    copy_cohort,
    move_to_version,
    newer_versions,
    remove_closure,
    update_settings,
)

bp = Blueprint("settings", __name__, url_prefix="/cohorts")


# The settings form's fields that hold the cohort's own values, as they are named on both.
SETTINGS = ("name", "start_date", "end_date", "choice_deadline", "turnaround_days", "allocation_rule")


def _settings_form(cohort) -> SettingsForm:
    saved = {name: getattr(cohort, name) for name in SETTINGS}
    return SettingsForm(
        formdata=None, **saved, supply_cost=cohort.supply_cost_pence / 100, version=cohort.version
    )


def _page(cohort, status: int = 200, **forms):
    """The settings page, with any form that was sent (and refused) in place of a fresh one."""
    versions = newer_versions(cohort)
    move_form = forms.get("move_form") or MoveVersionForm(
        prefix="move", formdata=None, version=cohort.version
    )
    move_form.target.choices = [(v.id, f"Version {v.number}: {v.title}") for v in versions]
    return render_template(
        "qualification/settings/edit.html",
        cohort=cohort,
        form=forms.get("form") or _settings_form(cohort),
        closure_form=forms.get("closure_form") or ClosureForm(prefix="closure", formdata=None),
        remove_form=RemoveClosureForm(prefix="remove", formdata=None),
        move_form=move_form,
        started=cohort.start_date <= uk_today(),
        has_newer=bool(versions),
        conflict=forms.get("conflict"),
        describe_closure=describe_closure,
        supply_rate=format_pounds(cohort.supply_cost_pence),
    ), status


def _at(cohort, anchor: str | None = None) -> str:
    return url_for("qualification.settings.edit_settings", cohort_id=cohort.id, _anchor=anchor)


@bp.route("/<int:cohort_id>/settings", methods=["GET", "POST"])
@rule(MANAGERS)
def edit_settings(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = SettingsForm()
    done = submit(
        form,
        lambda: update_settings(
            current_user,
            cohort,
            expected_version=whole(form.version.data),
            **values(form, *SETTINGS),
            supply_cost_pence=supply_pence(form.supply_cost.data),
        ),
        conflicts=EditConflict,
    )
    if done:
        changed = done.result
        flash(f"Saved: {', '.join(changed)}." if changed else "Nothing was changed.", "success")
        return redirect(url_for("qualification.cohorts.show_cohort", cohort_id=cohort.id))
    if done.status == 200:  # a GET
        return _page(cohort)
    if done.status == 409:
        # What was typed stays; the settings above show what is saved now, and saving again works.
        cohort = load_cohort(cohort_id)
        form.version.data = str(cohort.version)
    return _page(cohort, done.status, form=form, conflict=done.conflict)


@bp.route("/<int:cohort_id>/closures", methods=["POST"])
@rule(MANAGERS)
def add_cohort_closure(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = ClosureForm(prefix="closure")
    return answer(
        submit(
            form, lambda: add_closure(current_user, cohort, **values(form, "first_day", "last_day", "label"))
        ),
        lambda closed: (
            f"Closed {describe_closure(closed.first_day, closed.last_day)}: these days no longer count "
            "towards the turnaround target."
        ),
        _at(cohort, "closures"),
        lambda refused: _page(cohort, refused.status, closure_form=form),
    )


@bp.route("/<int:cohort_id>/closures/remove", methods=["POST"])
@rule(MANAGERS)
def remove_cohort_closure(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = RemoveClosureForm(prefix="remove")
    done = submit(form, lambda: remove_closure(current_user, cohort, form.closure.data, form.first_day.data))
    if done:
        closure = done.result
        flash(f"{describe_closure(closure.first_day, closure.last_day)} are working days again.", "success")
    else:
        flash(done.message or "Reload the page and try again.", "error")
    return redirect(_at(cohort, "closures"))


@bp.route("/<int:cohort_id>/version", methods=["POST"])
@rule(MANAGERS)
def move_cohort_version(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = MoveVersionForm(prefix="move")
    form.target.choices = [(v.id, f"Version {v.number}") for v in newer_versions(cohort)]
    done = submit(
        form,
        lambda: move_to_version(
            current_user,
            cohort,
            version_id=form.target.data,
            today=uk_today(),
            expected_version=whole(form.version.data),
        ),
        conflicts=EditConflict,
    )
    if done:
        moved = done.result
        message = f"{cohort.name} now studies version {moved.after}."
        if moved.choices_cleared:
            message += (
                " These candidates' option choices do not meet version "
                f"{moved.after}'s rules and were cleared, so they are asked to choose again: "
                + ", ".join(moved.choices_cleared)
                + "."
            )
        flash(message, "success")
        return redirect(url_for("qualification.cohorts.show_cohort", cohort_id=cohort.id))
    if done.status == 409:
        form.target.errors = [done.conflict]
        cohort = load_cohort(cohort_id)
        form.version.data = str(cohort.version)
    return _page(cohort, done.status, move_form=form)


@bp.route("/<int:cohort_id>/copy", methods=["GET", "POST"])
@rule(MANAGERS)
def copy_cohort_page(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = CopyForm()

    def again(outcome):
        if outcome.status == 200:  # just opened: next year's name to start from
            form.name.data = next_years_name(cohort.name)
        return render_template(
            "qualification/settings/copy.html",
            cohort=cohort,
            form=form,
            staff=[m for m in cohort.members if m.role in STAFF_ROLES],
            shifted=[(s, moment_a_year_on(s.starts_at)) for s in cohort.sessions[:1]],
            next_start=a_year_on(cohort.start_date),
        ), outcome.status

    return answer(
        submit(form, lambda: copy_cohort(current_user, cohort, name=form.name.data)),
        lambda copy: (
            f"{copy.name} is ready: it starts on {long_date(copy.start_date, weekday=True)}, with this "
            "cohort's staff, sessions and closure days a year on. Invite its candidates below."
        ),
        lambda copy: url_for("qualification.cohorts.show_cohort", cohort_id=copy.id),
        again,
    )
