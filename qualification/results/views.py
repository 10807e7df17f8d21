"""Transcripts (the candidate's own, and the staff view of one candidate's), the course leader's cohort report
with its charts and downloads (CSV, XLSX), and the report across the leader's cohorts.

A transcript lists what counts (live module results, released decisions only), how each was achieved, the
criteria met by prior learning, and whether the cohort's award and the awards it includes are met.
"""

from __future__ import annotations

import re
from collections import Counter

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from core.accounts.models import User
from core.db.timeutil import UK, utcnow
from core.extensions import db
from core.files.downloads import content_disposition
from core.web.access import SIGNED_IN, rule
from qualification.cohorts.models import Cohort, MemberRole, MemberStatus
from qualification.cohorts.queries import candidate_cohorts, cohort_or_404, cohort_roles
from qualification.permissions import MANAGERS, can_manage_cohort, can_view_transcript
from qualification.results.forms import ReportFilterForm
from qualification.results.queries.cohort import CohortReport, cohort_report, page_of
from qualification.results.queries.export import report_csv, report_xlsx
from qualification.results.queries.figures import report_figures
from qualification.results.queries.overview import cohorts_led, overview
from qualification.results.queries.report import ReportActivity
from qualification.results.queries.transcript import build_transcript
from qualification.versions.services import published_spec

bp = Blueprint("results", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def _columns():
    # Columns owned by higher packages (submissions, decisions, activity), registered by the composition root.
    return current_app.extensions.get("waymark_cohort_report_counts", [])


def _activity(report: CohortReport) -> ReportActivity:
    """What happened to the work of the candidates the filters keep, counted for the charts (registered by
    the composition root: each loader takes the cohort's id and the query of the candidates' ids)."""
    loaders = current_app.extensions.get("waymark_cohort_report_activity", [])
    found = [load(report.cohort.id, report.kept) for load in loaders]
    return ReportActivity(
        submitted=sum((Counter(a.submitted) for a in found), Counter()),
        released=sum((Counter(a.released) for a in found), Counter()),
        turnaround=[event for a in found for event in a.turnaround],
    )


def _report(cohort: Cohort) -> tuple[CohortReport, ReportFilterForm]:
    """The report for the filters in the query string, and the filter form (offer() gives its choices)."""
    # A published version never changes: its spec is read once per worker, not on every request.
    spec = published_spec(cohort.qualification_version)
    form = ReportFilterForm(request.args)
    return cohort_report(cohort, spec, _columns(), form.filters(spec)), form


def _candidate_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _today():
    return utcnow().astimezone(UK).date()


def _file_name(cohort: Cohort, extension: str) -> str:
    return re.sub(r"\s+", " ", f"{cohort.name} report {_today().isoformat()}.{extension}").strip()


@bp.route("/cohorts/<int:cohort_id>/report")
@rule(MANAGERS)
def show_report(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    report, form = _report(cohort)
    form.offer(report)
    # The downloads and the other pages carry the same filters: what is downloaded is what is shown.
    kept = {key: value for key, value in request.args.items() if key in form.data and value}
    page = page_of(report, after=_candidate_arg("after"), before=_candidate_arg("before"))
    here = "qualification.results.show_report"
    # One url_for, not 2,000: each row's transcript link is this prefix and the candidate's id.
    transcripts = url_for("qualification.cohorts.show_cohort", cohort_id=cohort.id) + "/candidates/"
    return render_template(
        "qualification/results/report.html",
        report=report,
        totals=report.totals,
        form=form,
        kept=kept,
        page=page,
        next_url=page.next_after and url_for(here, cohort_id=cohort.id, **kept, after=page.next_after),
        prev_url=page.prev_before and url_for(here, cohort_id=cohort.id, **kept, before=page.prev_before),
        figures=report_figures(report, _activity(report), _today()),
        transcripts=transcripts,
    )


@bp.route("/cohorts/<int:cohort_id>/report.csv")
@rule(MANAGERS)
def download_report(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    report, _ = _report(cohort)
    response = Response(stream_with_context(report_csv(report)), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(_file_name(cohort, "csv"))
    return response


@bp.route("/cohorts/<int:cohort_id>/report.xlsx")
@rule(MANAGERS)
def download_report_xlsx(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    report, _ = _report(cohort)
    response = Response(report_xlsx(report), mimetype=XLSX)
    response.headers["Content-Disposition"] = content_disposition(_file_name(cohort, "xlsx"))
    return response


@bp.route("/cohorts/reports")
@rule(MANAGERS)
def show_overview():
    """The report across the cohorts this person leads (or every cohort), one line each."""
    everyone = request.args.get("all") == "1"
    cohorts = cohorts_led(current_user.id, everyone)
    return render_template(
        "qualification/results/overview.html", overview=overview(cohorts, _columns(), everyone=everyone)
    )
