"""Transcripts: the candidate's own (`transcripts.show_transcript`) and the staff view of one candidate's.

A transcript lists what counts (live module results, released decisions only), how each was achieved, the
criteria met by prior learning, and whether the cohort's award and the awards it includes are met.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, render_template, stream_with_context, url_for
from flask_login import current_user

from core.accounts.models import User
from core.db.timeutil import UK, utcnow
from core.extensions import db
from core.files.downloads import content_disposition
from core.web.access import SIGNED_IN, rule
from qualification.cohorts.models import Cohort, MemberRole, MemberStatus
from qualification.cohorts.queries import candidate_cohorts, cohort_or_404, cohort_roles
from qualification.permissions import MANAGERS, can_manage_cohort, can_view_transcript
from qualification.results.queries import build_transcript, cohort_report, report_csv

bp = Blueprint("results", __name__)


@bp.route("/transcript")
@rule(SIGNED_IN)
def show_transcript():
    # A cohort they moved out of is left out: their results went with them (one transcript, not two).
    mine = candidate_cohorts(current_user.id, leaving_out=(MemberStatus.TRANSFERRED,))
    transcripts = [build_transcript(current_user.id, c) for c in mine]
    return render_template(
        "qualification/results/transcript.html",
        candidate=current_user,
        transcripts=transcripts,
        staff_view=False,
    )


@bp.route("/cohorts/<int:cohort_id>/candidates/<int:candidate_id>/transcript")
@rule(SIGNED_IN)
def candidate_transcript(cohort_id: int, candidate_id: int):
    cohort = cohort_or_404(cohort_id)
    roles = cohort_roles(cohort.id, candidate_id)
    is_candidate = candidate_id in roles.ids_with(MemberRole.CANDIDATE)
    # 404 for anyone else's: a candidate must not learn what another has achieved, or that they exist.
    if not is_candidate or not can_view_transcript(current_user, roles):
        abort(404)
    candidate = db.session.get(User, candidate_id)
    return render_template(
        "qualification/results/transcript.html",
        candidate=candidate,
        transcripts=[build_transcript(candidate_id, cohort)],
        staff_view=current_user.id != candidate_id,
    )


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


@bp.route("/cohorts/<int:cohort_id>/report")
@rule(MANAGERS)
def show_report(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    # One url_for, not 2,000: each row's transcript link is this prefix and the candidate's id.
    transcripts = url_for("qualification.cohorts.show_cohort", cohort_id=cohort.id) + "/candidates/"
    return render_template(
        "qualification/results/report.html",
        report=cohort_report(cohort, _counters()),
        transcripts=transcripts,
    )


@bp.route("/cohorts/<int:cohort_id>/report.csv")
@rule(MANAGERS)
def download_report(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    report = cohort_report(cohort, _counters())
    today = utcnow().astimezone(UK).date().isoformat()
    name = re.sub(r"\s+", " ", f"{cohort.name} report {today}.csv").strip()
    response = Response(stream_with_context(report_csv(report)), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(name)
    return response
