"""Removing or replacing a cohort's assessor, IQA or tutor (`staffing` blueprint, under /cohorts like the
cohort pages)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assessors.staffing.forms import RemoveStaffForm
from assessors.staffing.queries import staff_member, staff_work
from assessors.staffing.services import Take, plural, remove_staff
from core.forms import submit
from core.web.access import rule
from qualification.cohorts.models import MemberRole
from qualification.cohorts.queries import cohort_or_404
from qualification.permissions import MANAGERS

bp = Blueprint("staffing", __name__, url_prefix="/cohorts")

ROLE_WORDS = {
    MemberRole.ASSESSOR: "an assessor",
    MemberRole.IQA: "an internal quality assurer",
    MemberRole.TUTOR: "a tutor",
}


def _choices(form: RemoveStaffForm, work) -> None:
    if work.role == MemberRole.ASSESSOR:
        offered = [Take.ASSESSOR, Take.SPREAD] if work.others else []
        offered += [Take.REPLACE, Take.UNALLOCATED]
    else:
        offered = [Take.REPLACE] if work.role == MemberRole.IQA else []
    form.take.choices = [(t.value, t.label) for t in offered]
    form.to.choices = [(u.id, u.name) for u in work.others]


def _said(removal, cohort) -> str:
    said = f"{removal.name} is no longer {ROLE_WORDS[removal.role]} of {cohort.name}."
    for assessor, candidates in removal.moved.items():
        names = ", ".join(c.name for c in candidates)
        said += f" {assessor.name} now assesses {names}, with their waiting work."
    if removal.unallocated:
        names = ", ".join(c.name for c in removal.unallocated)
        said += (
            f" {plural(len(removal.unallocated), 'candidate')} ({names}) "
            f"{'has' if len(removal.unallocated) == 1 else 'have'} no assessor now: their work waits in the "
            "cohort's Unallocated queue."
        )
    if removal.role == MemberRole.IQA:
        said += f" {removal.replaced_by} takes over." if removal.replaced_by else ""
    return said


@bp.route("/<int:cohort_id>/staff/<int:user_id>/remove", methods=["GET", "POST"])
@rule(MANAGERS)
def remove_staff_member(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = RemoveStaffForm(role=request.args.get("role"))
    member = staff_member(cohort, user_id, form.role.data or "")
    if member is None:
        abort(404)
    work = staff_work(cohort, member)
    _choices(form, work)
    done = submit(
        form,
        lambda: remove_staff(
            current_user, cohort, member, take=form.take.data, to_id=form.to.data, email=form.email.data
        ),
    )
    if done:
        flash(_said(done.result, cohort), "success")
        return redirect(url_for("qualification.cohorts.show_cohort", cohort_id=cohort.id, _anchor="staff"))
    return render_template(
        "assessors/staffing/remove.html", cohort=cohort, work=work, form=form, role_words=ROLE_WORDS
    ), done.status
