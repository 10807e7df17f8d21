"""The cohort's people page (`people` blueprint, under /cohorts): every candidate's invitation, joining and
last activity, with resending and withdrawing invitations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from core.forms import submit
from core.web.access import rule
from qualification.cohorts.queries import cohort_or_404
from qualification.people.queries import cohort_people
from qualification.people.services import resend_candidate_invitation, withdraw_candidate_invitation
from qualification.permissions import MANAGERS

bp = Blueprint("people", __name__, url_prefix="/cohorts")


@bp.get("/<int:cohort_id>/people")
@rule(MANAGERS)
def show_people(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    return render_template("qualification/people/people.html", cohort=cohort, people=cohort_people(cohort))


def _back(cohort):
    return redirect(url_for("qualification.people.show_people", cohort_id=cohort.id))


@bp.post("/<int:cohort_id>/people/<int:user_id>/resend")
@rule(MANAGERS)
def resend_invitation(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    done = submit(None, lambda: resend_candidate_invitation(current_user, cohort, user_id), conflicts=True)
    if done:
        user = done.result
        flash(f"A new invitation is on its way to {user.email}. Any earlier link no longer works.", "success")
    else:
        flash(done.message, "error")
    return _back(cohort)


@bp.post("/<int:cohort_id>/people/<int:user_id>/withdraw")
@rule(MANAGERS)
def withdraw_invitation(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    done = submit(None, lambda: withdraw_candidate_invitation(current_user, cohort, user_id), conflicts=True)
    if not done:
        flash(done.message, "error")
    elif done.result.other_cohorts:
        flash(
            f"{done.result.user.name} is no longer in {cohort.name}. Their invitation link still works, "
            f"because they are also in {', '.join(done.result.other_cohorts)}.",
            "success",
        )
    else:
        flash(
            f"{done.result.user.name}'s invitation is withdrawn and they are no longer in {cohort.name}. "
            "Their link no longer works.",
            "success",
        )
    return _back(cohort)
