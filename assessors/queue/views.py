"""The assessor's queue (`assessors.queue`): everything waiting for them, keyset-paged; their home panel."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from assessors.marking.forms import StartForm, queue_filter_form
from assessors.permissions import ASSESSORS, can_see_unallocated
from assessors.queue.queries.deadlines import overdue_modules
from assessors.queue.queries.page import (
    KIND_FILTERS,
    QueueFilters,
    Whose,
    decode_cursor,
    module_codes,
    queue_cohorts,
    queue_page,
    unallocated_counts,
)
from assessors.queue.rules import today_uk
from core.extensions import db
from core.web.access import SIGNED_IN, rule
from core.web.urls import id_urls
from qualification.cohorts.forms import AllocationForm
from qualification.cohorts.models import Cohort, MemberRole
from qualification.cohorts.queries import allocations, cohort_roles, with_closures
from qualification.permissions import can_manage_cohort

bp = Blueprint("queue", __name__, url_prefix="/assessors")


class RowLinks:
    """The links of a queue page's rows, each built once per page rather than once per row."""

    def __init__(self) -> None:
        self.assessment = id_urls("assessors.marking.show_assessment", "assessment_id")
        self.start_submission = id_urls("assessors.marking.start_submission", "submission_id")
        self.start_claim = id_urls("assessors.marking.start_claim", "claim_id")
        self.submission = id_urls("portfolio.submissions.show_submission", "submission_id")
        self.claim = id_urls("portfolio.submissions.show_claim", "claim_id")


@bp.get("/queue")
@rule(ASSESSORS)
def show_queue():
    cohorts, staffed, dated = queue_cohorts(current_user.id)
    codes = module_codes(cohorts)
    form = queue_filter_form(request.args, cohorts, codes)
    cohort_ids = {str(c.id) for c in cohorts}
    filters = QueueFilters(
        cohort_id=int(form.cohort.data) if form.cohort.data in cohort_ids else None,
        module_code=form.module.data if form.module.data in codes else None,
        kind=form.kind.data if form.kind.data in KIND_FILTERS else None,
        overdue=bool(form.overdue.data),
        newest_first=form.sort.data == "newest",
    )
    page = queue_page(
        current_user.id, cohorts, filters, decode_cursor(request.args.get("cursor")), today_uk()
    )
    kept = {
        k: v for k, v in request.args.items() if k in ("cohort", "module", "kind", "overdue", "sort") and v
    }

    def page_url(cursor: str | None) -> str | None:
        return url_for("assessors.queue.show_queue", **kept, cursor=cursor) if cursor else None

    observations = "assessors.workplace.show_observation" in current_app.view_functions
    # Only the cohorts with a deadline: with none, nothing can be overdue and no statement runs.
    overdue = overdue_modules(today_uk(), assessor_id=current_user.id, cohort_ids=dated)
    waiting = unallocated_counts([c.id for c in staffed])
    return render_template(
        "assessors/queue/queue.html",
        unallocated=[(c, waiting[c.id]) for c in staffed if waiting.get(c.id)],
        overdue=overdue,
        page=page,
        form=form,
        start_form=StartForm(),
        filtered=bool(kept.keys() - {"sort"}),
        next_url=page_url(page.next_cursor),
        prev_url=page_url(page.prev_cursor),
        observation_url=(
            id_urls("assessors.workplace.show_observation", "observation_id")
            if observations
            else lambda _oid: None
        ),
        links=RowLinks(),
    )


@bp.get("/cohorts/<int:cohort_id>/unallocated")
@rule(SIGNED_IN)
def show_unallocated(cohort_id: int):
    """The cohort's Unallocated queue: work of candidates with no assessor, and those candidates."""
    cohort = db.session.scalars(with_closures(select(Cohort).where(Cohort.id == cohort_id))).unique().first()
    if cohort is None or not can_see_unallocated(current_user, cohort_roles(cohort_id)):
        abort(404)  # whether the cohort exists is not for others to know
    cursor = decode_cursor(request.args.get("cursor"))
    page = queue_page(Whose(cohort_ids=(cohort.id,)), [cohort], QueueFilters(), cursor, today_uk())
    allocated = allocations(cohort)
    members = sorted(cohort.members, key=lambda m: m.user.name.casefold())
    waiting = [m for m in members if m.role == MemberRole.CANDIDATE and m.user_id not in allocated]
    form = AllocationForm(back="unallocated")
    form.candidate.choices = [(m.user_id, m.user.name) for m in waiting]
    form.assessor.choices = [(m.user_id, m.user.name) for m in members if m.role == MemberRole.ASSESSOR]

    def page_url(cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return url_for("assessors.queue.show_unallocated", cohort_id=cohort.id, cursor=cursor)

    return render_template(
        "assessors/queue/unallocated.html",
        cohort=cohort,
        page=page,
        candidates=waiting,
        form=form,
        can_allocate=can_manage_cohort(current_user, cohort),
        next_url=page_url(page.next_cursor),
        prev_url=page_url(page.prev_cursor),
    )
