"""Announcements pages (`announcements` blueprint): a cohort's announcements, and writing one.

The cohort page shows the latest few through the `cohort_announcements` template global, so the cohort's own
view needs to know nothing about them.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.errors import require
from core.forms import submit
from core.web.access import SIGNED_IN, rule
from qualification.announcements import queries
from qualification.announcements.forms import AnnouncementForm
from qualification.announcements.models import Announcement, AnnouncementRecipient  # noqa: F401
from qualification.announcements.permissions import TEMPLATE_PREDICATES, can_announce
from qualification.announcements.rules import parse_audience
from qualification.announcements.services import NOT_ALLOWED, post_announcement
from qualification.cohorts.queries import cohort_or_404

# Both models are imported although one is used: core/app.py imports this module, which is how the mapper
# and Alembic's autogenerate learn about the announcement tables.
bp = Blueprint("announcements", __name__, url_prefix="/cohorts")
bp.add_app_template_global(queries.cohort_announcements, "cohort_announcements")
for _predicate in TEMPLATE_PREDICATES:
    bp.add_app_template_global(_predicate)


@bp.route("/<int:cohort_id>/announcements")
@rule(SIGNED_IN)
def list_announcements(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    announcements, next_before = queries.announcements_page(
        current_user, cohort, request.args.get("before", type=int)
    )
    next_url = None
    if next_before is not None:
        next_url = url_for(
            "qualification.announcements.list_announcements", cohort_id=cohort.id, before=next_before
        )
    return render_template(
        "qualification/announcements/list.html",
        cohort=cohort,
        announcements=announcements,
        next_url=next_url,
    )


def _post(form: AnnouncementForm, cohort):
    audience, module_code = parse_audience(form.audience.data) or (None, None)
    return post_announcement(
        current_user,
        cohort,
        title=form.title.data,
        body_md=form.body.data,
        audience=audience,
        module_code=module_code,
        form_key=form.form_key.data,
    )


@bp.route("/<int:cohort_id>/announcements/new", methods=["GET", "POST"])
@rule(SIGNED_IN)
def new_announcement(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    require(can_announce(current_user, cohort), NOT_ALLOWED)
    form = AnnouncementForm()
    form.audience.choices = queries.audience_options(cohort)
    done = submit(form, lambda: _post(form, cohort))
    if done:
        announcement, _posted_now = done.result
        count = announcement.recipient_count
        flash(
            f'"{announcement.title}" is sent to {count} candidate{"" if count == 1 else "s"} '
            "and kept on the cohort page.",
            "success",
        )
        return redirect(
            url_for("qualification.cohorts.show_cohort", cohort_id=cohort.id, _anchor="announcements")
        )
    return render_template("qualification/announcements/new.html", cohort=cohort, form=form), done.status
