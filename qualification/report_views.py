"""The cohort report for course leaders (added to the `cohorts` blueprint): a page and a streamed CSV."""

from __future__ import annotations

import re

from flask import Response, abort, current_app, render_template, stream_with_context, url_for
from flask_login import current_user

from core.access import rule
from core.downloads import content_disposition
from core.extensions import db
from core.timeutil import UK, utcnow
from qualification.cohort_views import MANAGERS
from qualification.cohort_views import bp as cohorts_bp
from qualification.models import Cohort
from qualification.permissions import can_manage_cohort
from qualification.report import cohort_report, report_csv


def _managed_cohort(cohort_id: int) -> Cohort:
    # Not cohort_or_404: that loads every member (2,000 of them) to decide what managers may always see.
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        abort(404)
    if not can_manage_cohort(current_user, cohort):
        abort(403)
    return cohort


def _counters():
    # Columns owned by higher packages (submissions, decisions), registered by the composition root.
    return current_app.extensions.get("waymark_cohort_report_counts", [])


@cohorts_bp.route("/<int:cohort_id>/report")
@rule(MANAGERS)
def show_report(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    # One url_for, not 2,000: each row's transcript link is this prefix and the candidate's id.
    transcripts = url_for("cohorts.show_cohort", cohort_id=cohort.id) + "/candidates/"
    return render_template(
        "cohorts/report.html", report=cohort_report(cohort, _counters()), transcripts=transcripts
    )


@cohorts_bp.route("/<int:cohort_id>/report.csv")
@rule(MANAGERS)
def download_report(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    report = cohort_report(cohort, _counters())
    today = utcnow().astimezone(UK).date().isoformat()
    name = re.sub(r"\s+", " ", f"{cohort.name} report {today}.csv").strip()
    response = Response(stream_with_context(report_csv(report)), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(name)
    return response
