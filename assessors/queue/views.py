"""The assessor's queue (`assessors.queue`): everything waiting for them, keyset-paged; their home panel."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from assessors.marking.forms import StartForm, queue_filter_form
from assessors.permissions import ASSESSORS
from assessors.queue.queries.page import (
    KIND_FILTERS,
    QueueFilters,
    assessor_cohorts,
    decode_cursor,
    module_codes,
    queue_page,
)
from assessors.queue.rules import today_uk
from core.web.access import rule

bp = Blueprint("queue", __name__, url_prefix="/assessors")


@bp.get("/queue")
@rule(ASSESSORS)
def show_queue():
    cohorts = assessor_cohorts(current_user.id)
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

    observation_page = "assessors.workplace.show_observation" in current_app.view_functions
    return render_template(
        "assessors/queue/queue.html",
        page=page,
        form=form,
        start_form=StartForm(),
        filtered=bool(kept.keys() - {"sort"}),
        next_url=page_url(page.next_cursor),
        prev_url=page_url(page.prev_cursor),
        observation_url=lambda oid: (
            url_for("assessors.workplace.show_observation", observation_id=oid) if observation_page else None
        ),
    )
