"""A candidate's membership page (`qualification.membership`): the course leader records a break in learning
and the return, withdraws a candidate or moves them to another cohort."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from core.db.timeutil import uk_today, utcnow
from core.extensions import db
from core.forms import submit
from core.web.access import rule
from qualification.cohorts.models import Cohort, CohortMember, MemberStatus
from qualification.membership.forms import BreakForm, ReturnForm, TransferForm, WithdrawForm
from qualification.membership.queries import breaks_of, membership_or_404, open_break, transfer_choices
from qualification.membership.services import (
    record_return,
    suspend_candidate,
    transfer_candidate,
    withdraw_candidate,
)
from qualification.permissions import MANAGERS

bp = Blueprint("membership", __name__, url_prefix="/cohorts")
PATH = "/<int:cohort_id>/candidates/<int:candidate_id>"


def _waiting(member) -> dict[str, int]:
    """The candidate's work waiting for a decision in the cohort, by kind (counted by the areas above)."""
    found: dict[str, int] = {}
    for count in current_app.extensions.get("waymark_waiting_work", []):
        found.update(count(member.cohort_id, member.user_id))
    return found


def _page(member, status: int = 200, **forms):
    choices = transfer_choices(member)
    transfer_form = forms.get("transfer_form") or TransferForm(prefix="transfer")
    transfer_form.cohort.choices = [(0, "Choose a cohort")] + [
        (
            c.id,
            f"{c.name}: {c.award_code or c.module_code + ' as CPD'}, {c.qualification_version.title} version "
            f"{c.qualification_version.number}, starts {c.start_date:%-d %B %Y}",
        )
        for c in choices
    ]
    moved = db.session.get(CohortMember, member.transferred_to_id) if member.transferred_to_id else None
    context = {
        "member": member,
        "cohort": member.cohort,
        "candidate": member.user,
        "status": MemberStatus(member.status),
        "breaks": breaks_of(member),
        "away": open_break(member),
        "waiting": _waiting(member),
        "moved_to": moved.cohort if moved else None,
        "break_form": forms.get("break_form") or BreakForm(prefix="break", starts_on=uk_today()),
        "return_form": forms.get("return_form") or ReturnForm(prefix="return", returned_on=uk_today()),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(prefix="withdraw"),
        "transfer_form": transfer_form,
        "can_transfer": bool(choices),
        # Why the last form was refused when it no longer fits where the candidate stands (409).
        "problem": forms.get("problem"),
    }
    return render_template("qualification/membership/show.html", **context), status


def _back(member, anchor: str | None = None):
    return redirect(
        url_for(
            "qualification.membership.show_membership",
            cohort_id=member.cohort_id,
            candidate_id=member.user_id,
            _anchor=anchor,
        )
    )


@bp.get(PATH)
@rule(MANAGERS)
def show_membership(cohort_id: int, candidate_id: int):
    return _page(membership_or_404(cohort_id, candidate_id))


def _act(member, form, key: str, action, told):
    """Submit one of the page's forms: on success tell the leader (`told(result)`) and go back to the
    candidate's page (the one they moved to, for a transfer); otherwise the page again with that form."""
    done = submit(form, action, conflicts=True)
    if done:
        message, landing = told(done.result)
        flash(message, "success")
        return _back(landing)
    return _page(member, done.status, problem=done.conflict, **{key: form})


@bp.post(PATH + "/break")
@rule(MANAGERS)
def start_break(cohort_id: int, candidate_id: int):
    member = membership_or_404(cohort_id, candidate_id)
    form = BreakForm(prefix="break")
    return _act(
        member,
        form,
        "break_form",
        lambda: suspend_candidate(
            current_user,
            member,
            starts_on=form.starts_on.data,
            expected_return_on=form.expected_return_on.data,
            reason=form.reason.data,
            today=uk_today(),
        ),
        lambda _: (
            f"{member.user.name} is on a break in learning from {form.starts_on.data:%-d %B %Y}. Their "
            "deadlines and their waiting work's turnaround clock are paused until you record their return.",
            member,
        ),
    )


@bp.post(PATH + "/return")
@rule(MANAGERS)
def end_break(cohort_id: int, candidate_id: int):
    member = membership_or_404(cohort_id, candidate_id)
    form = ReturnForm(prefix="return")
    return _act(
        member,
        form,
        "return_form",
        lambda: record_return(current_user, member, returned_on=form.returned_on.data, today=uk_today()),
        lambda _: (
            f"{member.user.name} is back from {form.returned_on.data:%-d %B %Y} and carries on where they "
            "stopped. The days of the break count towards neither their deadlines nor their work's waiting.",
            member,
        ),
    )


@bp.post(PATH + "/withdraw")
@rule(MANAGERS)
def withdraw(cohort_id: int, candidate_id: int):
    member = membership_or_404(cohort_id, candidate_id)
    form = WithdrawForm(prefix="withdraw")
    return _act(
        member,
        form,
        "withdraw_form",
        lambda: withdraw_candidate(current_user, member, reason=form.reason.data, now=utcnow()),
        lambda _: (
            f"{member.user.name} is withdrawn from {member.cohort.name}. Their portfolio, results and audit "
            "trail are kept and they can still read them; their waiting work has left the assessors' queues.",
            member,
        ),
    )


@bp.post(PATH + "/transfer")
@rule(MANAGERS)
def transfer(cohort_id: int, candidate_id: int):
    member = membership_or_404(cohort_id, candidate_id)
    form = TransferForm(prefix="transfer")
    form.cohort.choices = []  # the service checks the cohort, and says why another is refused
    return _act(
        member,
        form,
        "transfer_form",
        lambda: transfer_candidate(
            current_user, member, db.session.get(Cohort, form.cohort.data or 0), reason=form.reason.data
        ),
        lambda moved: (
            f"{member.user.name} has moved to {moved.cohort.name}, with their portfolio, results, prior "
            "learning and study progress.",
            moved,
        ),
    )
