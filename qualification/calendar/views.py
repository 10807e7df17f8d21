"""Published cohort calendars (page and iCalendar feed) and release letters to candidates' schools.

Adds routes to the `cohorts` blueprint; importing this module before the app is built registers them.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from core.db.timeutil import utcnow
from core.web.access import PUBLIC, SIGNED_IN, rule
from core.web.urls import absolute_url
from qualification.calendar.rules import (
    UK,
    build_ics,
    by_month,
    dated,
    describe_release,
    format_pounds,
    release_summary,
    slugify,
    uk_date,
)
from qualification.cohorts.models import Cohort, CohortMember, MemberRole
from qualification.cohorts.queries import cohort_or_404, find_calendar
from qualification.deadlines.queries import cohort_deadline_events
from qualification.deadlines.rules import with_deadline_events
from qualification.permissions import can_read_release_letter, is_cohort_staff

bp = Blueprint("calendar", __name__, url_prefix="/cohorts")


def _calendar_or_404(token: str) -> Cohort:
    cohort = find_calendar(token)
    if cohort is None:
        abort(404)
    return cohort


def _programme(cohort: Cohort) -> str:
    """What the cohort studies, in words: 'the Certificate (Careers Coordinator Qualification)'."""
    version = cohort.qualification_version
    if cohort.award_code:
        award = next((a for a in version.awards if a.code == cohort.award_code), None)
        name = award.title if award else cohort.award_code
        return f"the {name} ({version.title})"
    link = next((m for m in version.module_links if m.code == cohort.module_code), None)
    name = f"{link.code} {link.module.title}" if link else cohort.module_code
    return f"the module {name} ({version.title})"


def _module_titles(cohort: Cohort) -> dict[str, str]:
    return {link.code: link.module.title for link in cohort.qualification_version.module_links}


@bp.route("/calendar/<token>.ics")
@rule(PUBLIC)
def calendar_feed(token: str):
    # Declared before the page route; Werkzeug also prefers it, as its static ".ics" part weighs more.
    cohort = _calendar_or_404(token)
    now = utcnow()
    body = with_deadline_events(
        build_ics(cohort, cohort.sessions, now=now), cohort_deadline_events(cohort), now=now
    )
    return Response(
        body,
        content_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{slugify(cohort.name)}.ics"'},
    )


@bp.route("/calendar/<token>")
@rule(PUBLIC)
def public_calendar(token: str):
    cohort = _calendar_or_404(token)
    feed_url = absolute_url("qualification.calendar.calendar_feed", token=token)
    return render_template(
        "qualification/calendar/public_calendar.html",
        cohort=cohort,
        programme=_programme(cohort),
        months=by_month(cohort.sessions),
        modules=_module_titles(cohort),
        summary=release_summary(cohort.sessions, cohort.supply_cost_pence),
        feed_url=feed_url,
        # webcal:// makes Apple Calendar and Outlook offer to subscribe rather than import once.
        webcal_url="webcal://" + feed_url.split("://", 1)[1],
    )


def _letter_member(cohort: Cohort, wanted: int | None) -> CohortMember | None:
    """The candidate whose letter was asked for, when this person may read it; else None.

    Candidates read only their own letter; the cohort's staff read anyone's. With no candidate given,
    a candidate means themself.
    """
    candidates = {m.user_id: m for m in cohort.members if m.role == MemberRole.CANDIDATE}
    if wanted is None:
        return candidates.get(current_user.id)
    member = candidates.get(wanted)
    if member is None or not can_read_release_letter(current_user, cohort, member):
        return None
    return member


@bp.route("/<int:cohort_id>/release-letter")
@rule(SIGNED_IN)
def release_letter(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    wanted = request.args.get("candidate", type=int)
    if "candidate" in request.args and wanted is None:
        abort(404)
    member = _letter_member(cohort, wanted)
    if member is None:
        # 404 rather than 403 keeps other candidates' membership private.
        if wanted is None and is_cohort_staff(current_user, cohort):
            candidates = sorted(
                (m for m in cohort.members if m.role == MemberRole.CANDIDATE),
                key=lambda m: m.user.name.lower(),
            )
            return render_template(
                "qualification/calendar/release_letters.html", cohort=cohort, candidates=candidates
            )
        abort(404)
    summary = release_summary(cohort.sessions, cohort.supply_cost_pence)
    now = utcnow()
    return render_template(
        "qualification/calendar/release_letter.html",
        cohort=cohort,
        member=member,
        leader=cohort.course_leader,
        programme=_programme(cohort),
        today=now.astimezone(UK).date(),
        letter_date=uk_date(now),
        summary=summary,
        release=dated(summary.sessions_needing_release),
        after_school=dated(summary.sessions_after_school),
        cost_sentence=describe_release(summary, cohort.supply_cost_pence),
        daily_cost=format_pounds(cohort.supply_cost_pence),
        staff_view=member.user_id != current_user.id,
    )
