"""Deadlines and extensions (`deadlines` blueprint, under /cohorts): the cohort's deadlines and requests
for its staff, a candidate's own deadlines and their requests for more time, and the decision page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_login import current_user

from core.db.timeutil import uk_today
from core.forms import answer, submit, values
from core.web.access import SIGNED_IN, rule
from qualification.cohorts.queries import cohort_modules, cohort_or_404
from qualification.deadlines import services
from qualification.deadlines.forms import DeadlineForm, ExtensionRequestForm, GrantForm, RefuseForm
from qualification.deadlines.models import DeadlineExtension, ExtensionStatus
from qualification.deadlines.permissions import (
    can_ask_for_extension,
    can_decide_extensions,
    can_read_extension,
)
from qualification.deadlines.queries import (
    cohort_deadlines,
    cohort_requests,
    deadline_lines,
    deadline_or_404,
    extension_or_404,
    requests_of,
)
from qualification.deadlines.queries.personal import current_deadline, personal_deadlines
from qualification.deadlines.rules import long_date
from qualification.permissions import MANAGERS

bp = Blueprint("deadlines", __name__, url_prefix="/cohorts")
bp.add_app_template_global(long_date, "long_date")


def _deadlines_url(cohort) -> str:
    return url_for("qualification.deadlines.show_deadlines", cohort_id=cohort.id)


def _page(cohort, form: DeadlineForm | None = None, status: int = 200, problem: str | None = None):
    today = uk_today()
    if can_ask_for_extension(current_user, cohort):
        return render_template(
            "qualification/deadlines/mine.html",
            cohort=cohort,
            lines=deadline_lines(personal_deadlines(current_user.id, cohort.id, today), today),
            requests=requests_of(current_user.id, cohort.id),
        ), status
    modules = cohort_modules(cohort)
    form = form or DeadlineForm()
    form.module_code.choices = [
        ("", "Choose a module"),
        *((code, f"{code} {title}") for code, title in modules),
    ]
    waiting, decided = cohort_requests(cohort.id)
    return render_template(
        "qualification/deadlines/cohort.html",
        cohort=cohort,
        deadlines=cohort_deadlines(cohort.id),
        titles=dict(modules),
        waiting=waiting,
        decided=decided,
        form=form,
        problem=problem,
    ), status


@bp.route("/<int:cohort_id>/deadlines")
@rule(SIGNED_IN)
def show_deadlines(cohort_id: int):
    return _page(cohort_or_404(cohort_id))


@bp.route("/<int:cohort_id>/deadlines", methods=["POST"])
@rule(MANAGERS)
def set_deadline(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    form = DeadlineForm()
    form.module_code.choices = [(code, code) for code, _ in cohort_modules(cohort)]
    return answer(
        submit(
            form, lambda: services.set_deadline(current_user, cohort, **_typed(form, "module_code", "due_on"))
        ),
        lambda deadline: f"The {deadline.module_code} deadline is {long_date(deadline.due_on)}.",
        _deadlines_url(cohort),
        lambda refused: _page(cohort, form, refused.status),
    )


@bp.route("/<int:cohort_id>/deadlines/<int:deadline_id>/remove", methods=["POST"])
@rule(MANAGERS)
def remove_deadline(cohort_id: int, deadline_id: int):
    cohort = cohort_or_404(cohort_id)
    deadline = deadline_or_404(cohort, deadline_id)
    removed = f"The {deadline.module_code} deadline is removed."  # said once the row is gone
    return answer(
        submit(None, lambda: services.remove_deadline(current_user, deadline), conflicts=True),
        removed,
        _deadlines_url(cohort),
        lambda refused: _page(cohort, status=refused.status, problem=refused.conflict),
    )


def _typed(form, *names: str) -> dict:
    """The form's fields as the service takes them, and today's UK date (the dates are checked against it)."""
    return {**values(form, *names), "today": uk_today()}


@bp.route("/<int:cohort_id>/deadlines/<int:deadline_id>/extension", methods=["GET", "POST"])
@rule(SIGNED_IN)
def ask_extension(cohort_id: int, deadline_id: int):
    cohort = cohort_or_404(cohort_id)
    if not can_ask_for_extension(current_user, cohort):
        abort(403)  # staff may see the cohort, but have no deadlines of their own in it
    deadline = deadline_or_404(cohort, deadline_id)
    mine = services.own_deadline(current_user.id, deadline)
    if mine is None:
        abort(404)
    form = ExtensionRequestForm()
    return answer(
        submit(
            form,
            lambda: services.request_extension(
                current_user, deadline, **_typed(form, "proposed_until", "reason")
            ),
            conflicts=True,
        ),
        f"Your request for more time on {deadline.module_code} is sent. You will be told when your tutor or "
        "course leader decides; until then your deadline stays as it is.",
        _deadlines_url(cohort),
        lambda refused: (
            render_template(
                "qualification/deadlines/ask.html",
                cohort=cohort,
                mine=mine,
                form=form,
                problem=refused.conflict,
            ),
            refused.status,
        ),
    )


def _extension_page(cohort, extension: DeadlineExtension, status=200, problem=None, grant=None, refuse=None):
    deadline = extension.deadline
    current = current_deadline(extension) if extension.status == ExtensionStatus.REQUESTED else None
    return render_template(
        "qualification/deadlines/extension.html",
        cohort=cohort,
        extension=extension,
        title=dict(cohort_modules(cohort)).get(deadline.module_code, ""),
        current=current,
        decide=current is not None
        and can_decide_extensions(current_user, cohort)
        and extension.candidate_id != current_user.id,
        grant_form=grant or GrantForm(until=extension.proposed_until),
        refuse_form=refuse or RefuseForm(),
        problem=problem,
    ), status


def _readable_extension(cohort_id: int, extension_id: int):
    cohort = cohort_or_404(cohort_id)
    extension = extension_or_404(cohort, extension_id)
    # 404: another candidate's request is not theirs to learn about.
    if not can_read_extension(current_user, cohort, extension):
        abort(404)
    return cohort, extension


@bp.route("/<int:cohort_id>/extensions/<int:extension_id>")
@rule(SIGNED_IN)
def show_extension(cohort_id: int, extension_id: int):
    return _extension_page(*_readable_extension(cohort_id, extension_id))


def _decide(cohort_id: int, extension_id: int, form, key: str, decide, told):
    """Grant or refuse a request (`decide(extension)`); the decider is told what became of it (`told`), or
    sees the request again with the form (`key`) and why it was refused."""
    cohort, extension = _readable_extension(cohort_id, extension_id)
    return answer(
        submit(form, lambda: decide(extension), conflicts=True),
        lambda _: told(extension),
        _deadlines_url(cohort),
        lambda refused: _extension_page(cohort, extension, refused.status, refused.conflict, **{key: form}),
    )


@bp.route("/<int:cohort_id>/extensions/<int:extension_id>/grant", methods=["POST"])
@rule(SIGNED_IN)
def grant_extension(cohort_id: int, extension_id: int):
    form = GrantForm()
    return _decide(
        cohort_id,
        extension_id,
        form,
        "grant",
        lambda extension: services.grant_extension(current_user, extension, **_typed(form, "until", "note")),
        lambda extension: (
            f"Extension granted: {extension.candidate.name}'s {extension.deadline.module_code} deadline is "
            f"now {long_date(extension.granted_until)}. They have been told."
        ),
    )


@bp.route("/<int:cohort_id>/extensions/<int:extension_id>/refuse", methods=["POST"])
@rule(SIGNED_IN)
def refuse_extension(cohort_id: int, extension_id: int):
    form = RefuseForm()
    return _decide(
        cohort_id,
        extension_id,
        form,
        "refuse",
        lambda extension: services.refuse_extension(current_user, extension, **values(form, "reason")),
        lambda extension: (
            f"Request refused: {extension.candidate.name}'s {extension.deadline.module_code} deadline stays. "
            "They have been told why."
        ),
    )
