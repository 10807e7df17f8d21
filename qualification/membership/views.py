"""A candidate's membership page (`qualification.membership`): the course leader records a break in learning
and the return, withdraws a candidate or moves them to another cohort."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from core.db.timeutil import long_date, uk_today, utcnow
from core.extensions import db
from core.forms import answer, submit, values
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
            f"{c.qualification_version.number}, starts {long_date(c.start_date)}",
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


def _page_of(member) -> str:
    return url_for(
        "qualification.membership.show_membership", cohort_id=member.cohort_id, candidate_id=member.user_id
    )


@bp.get(PATH)
@rule(MANAGERS)
def show_membership(cohort_id: int, candidate_id: int):
    return _page(membership_or_404(cohort_id, candidate_id))


# The page's four forms, each sent to one service. Each step takes the candidate's membership and the sent
# form, calls the service and says what to tell the course leader and whose page to go back to (the one the
# candidate moved to, after a transfer).


def _break(member, form):
    suspend_candidate(
        current_user, member, **values(form, "starts_on", "expected_return_on", "reason"), today=uk_today()
    )
    told = (
        f"{member.user.name} is on a break in learning from {long_date(form.starts_on.data)}. Their "
        "deadlines and their waiting work's turnaround clock are paused until you record their return."
    )
    return told, member


def _return(member, form):
    record_return(current_user, member, **values(form, "returned_on"), today=uk_today())
    told = (
        f"{member.user.name} is back from {long_date(form.returned_on.data)} and carries on where they "
        "stopped. The days of the break count towards neither their deadlines nor their work's waiting."
    )
    return told, member


def _withdraw(member, form):
    withdraw_candidate(current_user, member, **values(form, "reason"), now=utcnow())
    told = (
        f"{member.user.name} is withdrawn from {member.cohort.name}. Their portfolio, results and audit "
        "trail are kept and they can still read them; their waiting work has left the assessors' queues."
    )
    return told, member


def _transfer(member, form):
    target = db.session.get(Cohort, form.cohort.data or 0)  # the service says why another is refused
    moved = transfer_candidate(current_user, member, target, **values(form, "reason"))
    told = (
        f"{member.user.name} has moved to {moved.cohort.name}, with their portfolio, results, prior learning "
        "and study progress."
    )
    return told, moved


ACTIONS = (
    ("break", "start_break", BreakForm, _break),
    ("return", "end_break", ReturnForm, _return),
    ("withdraw", "withdraw", WithdrawForm, _withdraw),
    ("transfer", "transfer", TransferForm, _transfer),
)


def _action_view(name: str, form_class, act):
    """The route of one form: on success the leader is told what changed, on the candidate's page (the one
    they moved to, for a transfer); otherwise the page again with that form and why (409 when it no longer
    fits where the candidate stands)."""

    @rule(MANAGERS)
    def view(cohort_id: int, candidate_id: int):
        member = membership_or_404(cohort_id, candidate_id)
        form = form_class(prefix=name)
        done = submit(form, lambda: act(member, form), conflicts=True)
        return answer(
            done,
            lambda said: said[0],
            lambda said: _page_of(said[1]),
            lambda refused: _page(member, refused.status, problem=refused.conflict, **{f"{name}_form": form}),
        )

    return view


for _name, _endpoint, _form_class, _act in ACTIONS:
    bp.add_url_rule(
        f"{PATH}/{_name}",
        endpoint=_endpoint,
        view_func=_action_view(_name, _form_class, _act),
        methods=["POST"],
    )
