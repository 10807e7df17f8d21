"""The exam board (`boards` blueprint, under /cohorts): who is ready and holding the board in one form, the
cohort's past boards, a certificate as staff see it, and revoking one (a reason, then "are you sure?").

Course leaders and admins only: the gate answers 403 to everyone else."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.db.timeutil import UK, uk_today
from core.forms import submit
from core.web.access import rule
from qualification.boards import services
from qualification.boards.forms import BoardForm, RevokeForm
from qualification.boards.models import BoardOutcome
from qualification.boards.queries import (
    board_list,
    certificate_in_cohort_or_404,
    latest_board_id,
    past_boards,
)
from qualification.boards.rules import day
from qualification.boards.services import Proposed
from qualification.cohorts.queries import cohort_or_404
from qualification.permissions import MANAGERS

bp = Blueprint("boards", __name__, url_prefix="/cohorts")


@bp.app_template_global("board_day")
def board_day(value: date | datetime | str) -> str:
    """A date (a UTC moment: its UK day; an ISO date, as a certificate's snapshot keeps it) as people write
    it: '1 July 2027'."""
    if isinstance(value, datetime):
        value = value.astimezone(UK).date()
    elif isinstance(value, str):
        value = date.fromisoformat(value)
    return day(value)


def _board_url(cohort) -> str:
    return url_for("qualification.boards.show_board", cohort_id=cohort.id)


def _sent_ids(form: BoardForm) -> list[int]:
    return [int(x) for x in (form.candidates.data or "").split()]


def _typed(ids: list[int]) -> dict[int, tuple[str, str]]:
    """What was chosen and typed for each candidate, to show again when the board is refused."""
    return {
        cid: (
            request.form.get(f"outcome-{cid}", BoardOutcome.RATIFIED),
            request.form.get(f"reason-{cid}", ""),
        )
        for cid in ids
    }


def _board_page(
    cohort, form: BoardForm | None = None, status: int = 200, *, typed=None, errors=None, problem=None
):
    listed = board_list(cohort)
    if form is None:
        form = BoardForm(held_on=uk_today(), seen=str(latest_board_id(cohort.id)))
    # The board decides on those the page shows now.
    form.candidates.data = " ".join(str(c.id) for c in listed.ready)
    return render_template(
        "qualification/boards/board.html",
        cohort=cohort,
        listed=listed,
        form=form,
        typed=typed or {},
        errors=errors or {},
        problem=problem,
        today=uk_today(),
    ), status


@bp.route("/<int:cohort_id>/exam-board")
@rule(MANAGERS)
def show_board(cohort_id: int):
    return _board_page(cohort_or_404(cohort_id, manage=True))


@bp.route("/<int:cohort_id>/exam-board", methods=["POST"])
@rule(MANAGERS)
def hold_board(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = BoardForm()
    outcome = submit(
        form,
        lambda: services.hold_board(
            current_user,
            cohort,
            held_on=form.held_on.data,
            notes=form.notes.data,
            proposed=[
                Proposed(cid, outcome, reason) for cid, (outcome, reason) in _typed(_sent_ids(form)).items()
            ],
            seen_board=int(form.seen.data),
            today=uk_today(),
        ),
        conflicts=True,
    )
    if outcome:
        held = outcome.result
        if held.repeated:
            flash(
                f"The exam board of {day(held.board.held_on)} was already recorded; nothing was repeated.",
                "info",
            )
        else:
            ratified, deferred = len(held.certificates), len(held.board.decisions) - len(held.certificates)
            flash(
                f"The exam board of {day(held.board.held_on)} is recorded: {ratified} ratified with a "
                f"certificate, {deferred} deferred. The candidates have been told.",
                "success",
            )
        return redirect(url_for("qualification.boards.past_boards_page", cohort_id=cohort.id))
    if outcome.status == 409:
        # Someone else's board, or a result withdrawn: the page as it is now, with nothing typed kept but
        # the board's own fields.
        fresh = BoardForm(
            held_on=form.held_on.data, notes=form.notes.data, seen=str(latest_board_id(cohort.id))
        )
        return _board_page(cohort, fresh, 409, problem=outcome.conflict)
    return _board_page(cohort, form, 400, typed=_typed(_sent_ids(form)), errors=outcome.errors)


@bp.route("/<int:cohort_id>/exam-boards")
@rule(MANAGERS)
def past_boards_page(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    return render_template("qualification/boards/past.html", cohort=cohort, boards=past_boards(cohort.id))


@bp.route("/<int:cohort_id>/certificates/<int:certificate_id>")
@rule(MANAGERS)
def show_certificate(cohort_id: int, certificate_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    certificate = certificate_in_cohort_or_404(cohort, certificate_id)
    return render_template("qualification/boards/certificate.html", cohort=cohort, c=certificate)


@bp.route("/<int:cohort_id>/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@rule(MANAGERS)
def revoke_certificate(cohort_id: int, certificate_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    certificate = certificate_in_cohort_or_404(cohort, certificate_id)
    form = RevokeForm()
    here = {"cohort": cohort, "c": certificate, "form": form}
    if form.validate_on_submit() and form.confirmed.data != "yes":
        # The reason is fine: ask once more before a change that cannot be undone.
        return render_template("qualification/boards/revoke.html", confirming=True, **here)
    outcome = submit(
        form,
        lambda: services.revoke_certificate(current_user, certificate, reason=form.reason.data),
        conflicts=True,
    )
    if outcome:
        flash(
            f"Certificate {certificate.number} is revoked. {certificate.candidate.name} has been told.",
            "success",
        )
        return redirect(
            url_for(
                "qualification.boards.show_certificate", cohort_id=cohort.id, certificate_id=certificate.id
            )
        )
    status = 400 if outcome.status == 422 else outcome.status
    return render_template(
        "qualification/boards/revoke.html", confirming=False, problem=outcome.conflict, **here
    ), status
