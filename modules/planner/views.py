"""The study planner and study-time log (routes on the `study` blueprint)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from core.forms import answer, submit, values
from core.web.access import rule
from modules.permissions import CANDIDATES
from modules.planner.rules import plan_evening
from modules.study.forms import LogForm, PlanForm
from modules.study.queries import active_enrolments, closed_modules, recent_logs, study_queue, study_time
from modules.study.services import log_study

bp = Blueprint("planner", __name__, url_prefix="/study")


def _page(plan_form, log_form, status=200):
    plan = None
    # Never plan an evening in a module already submitted, achieved or claimed by prior learning.
    queue = study_queue(current_user.id, closed_modules(current_user.id))
    if "minutes" in request.args and plan_form.validate():
        plan = plan_evening([a for _, a in queue], plan_form.minutes.data)
    module_of = {a.id: e for e, a in queue}
    logged, notional = study_time(current_user.id)
    return (
        render_template(
            "modules/planner/planner.html",
            plan_form=plan_form,
            log_form=log_form,
            plan=plan,
            module_of=module_of,
            logged=logged,
            notional=notional,
            logs=recent_logs(current_user.id),
        ),
        status,
    )


def _log_form(formdata=None) -> LogForm:
    form = LogForm(formdata) if formdata is not None else LogForm(formdata=None, studied_on=date.today())  # noqa: DTZ011
    form.module_code.choices = [("", "Not about one module")] + [
        (e.module_code, f"{e.module_code} {e.module.title}") for e in active_enrolments(current_user.id)
    ]
    return form


@bp.route("/planner")
@rule(CANDIDATES)
def planner():
    plan_form = PlanForm(request.args)
    return _page(plan_form, _log_form())


@bp.route("/planner/log", methods=["POST"])
@rule(CANDIDATES)
def log_time():
    form = _log_form(request.form)
    return answer(
        submit(
            form,
            lambda: log_study(
                current_user,
                **values(form, "studied_on", "minutes"),
                module_code=form.module_code.data or None,
                note=form.note.data or "",
            ),
        ),
        f"{form.minutes.data} minutes of study logged.",
        url_for("modules.planner.planner"),
        lambda _: _page(PlanForm(), form, 422),
    )
