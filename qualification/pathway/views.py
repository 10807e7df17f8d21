"""Choosing optional modules (routes on the `cohorts` blueprint)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.forms import submit
from core.web.access import SIGNED_IN, rule
from qualification.cohorts.models import MemberRole
from qualification.cohorts.queries import cohort_or_404
from qualification.pathway.rules import option_choices
from qualification.pathway.services import choose_options, chosen_codes, pathway_status

bp = Blueprint("pathway", __name__, url_prefix="/cohorts")


def _member_or_404(cohort):
    member = next(
        (m for m in cohort.members if m.user_id == current_user.id and m.role == MemberRole.CANDIDATE), None
    )
    if member is None or not cohort.award_code:
        abort(404)
    return member


def _page(cohort, member, chosen, *, status=200, error=None, saved=False, checked=False):
    check, spec = pathway_status(member, chosen)
    award = next(a for a in spec.awards if a.code == cohort.award_code)
    deadline_passed = bool(cohort.choice_deadline and date.today() > cohort.choice_deadline)  # noqa: DTZ011
    return (
        render_template(
            "qualification/pathway/pathway.html",
            cohort=cohort,
            award=award,
            spec=spec,
            modules={m.code: m for m in spec.modules},
            groups=option_choices(award, spec),
            chosen=set(chosen),
            check=check,
            error=error,
            saved=saved,
            checked=checked,
            deadline_passed=deadline_passed,
        ),
        status,
    )


@bp.route("/<int:cohort_id>/pathway")
@rule(SIGNED_IN)
def show_pathway(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    member = _member_or_404(cohort)
    return _page(cohort, member, chosen_codes(member), saved=True)


@bp.route("/<int:cohort_id>/pathway", methods=["POST"])
@rule(SIGNED_IN)
def choose_pathway(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    member = _member_or_404(cohort)
    chosen = [c for c in request.form.getlist("modules") if c][:50]
    if request.form.get("action") == "check":
        # Checking changes nothing: it shows what this choice would mean.
        return _page(cohort, member, chosen, checked=True)
    outcome = submit(
        None,
        lambda: choose_options(current_user, member, chosen, today=date.today()),  # noqa: DTZ011
        conflicts=True,
    )
    if not outcome:
        error = outcome.conflict or outcome.errors.get("options")
        return _page(cohort, member, chosen, status=outcome.status, error=error)
    flash("Your choice of modules is saved. Your modules are on your home page.", "success")
    return redirect(url_for("qualification.pathway.show_pathway", cohort_id=cohort.id))
