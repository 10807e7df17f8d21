"""Published cohort calendars (page and iCalendar feed), release letters to candidates' schools, and the
course leader's sessions page: changing, rescheduling and cancelling sessions, and the supply-cover rate.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.db.timeutil import utcnow
from core.forms import submit, whole
from core.web.access import PUBLIC, SIGNED_IN, rule
from core.web.urls import absolute_url
from qualification.booking.queries import session_places
from qualification.calendar import services
from qualification.calendar.forms import CancelSessionForm, EditSessionForm, SupplyCostForm, session_details
from qualification.calendar.rules import (
    UK,
    build_ics,
    by_month,
    dated,
    describe_release,
    format_pounds,
    past_warning,
    release_summary,
    scheduled,
    slugify,
    still_to_come,
    uk_date,
    uk_day,
)
from qualification.cohorts.models import Cohort, CohortMember, CohortSession, MemberRole
from qualification.cohorts.queries import cohort_or_404, find_calendar, load_cohort, session_or_404
from qualification.deadlines.queries import cohort_deadline_events
from qualification.deadlines.rules import with_deadline_events
from qualification.permissions import MANAGERS, can_read_release_letter, is_cohort_staff

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
        summary=release_summary(scheduled(cohort.sessions), cohort.supply_cost_pence),
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
    now = utcnow()
    # A letter asks for what is still to come: past dates and cancelled sessions are left out.
    summary = release_summary(still_to_come(cohort.sessions, now), cohort.supply_cost_pence)
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


# The course leader's sessions page ---------------------------------------------------------------------


def _sessions_page(cohort: Cohort, status: int = 200, supply_form: SupplyCostForm | None = None):
    now = utcnow()
    coming = still_to_come(cohort.sessions, now)
    summary = release_summary(coming, cohort.supply_cost_pence)
    return render_template(
        "qualification/calendar/sessions.html",
        cohort=cohort,
        places=session_places(cohort, current_user),
        now=now,
        cost_sentence=describe_release(summary, cohort.supply_cost_pence),
        supply_form=supply_form or SupplyCostForm(pounds=Decimal(cohort.supply_cost_pence) / 100),
    ), status


@bp.route("/<int:cohort_id>/sessions")
@rule(MANAGERS)
def manage_sessions(cohort_id: int):
    return _sessions_page(cohort_or_404(cohort_id, manage=True))


@bp.route("/<int:cohort_id>/calendar/supply-cost", methods=["POST"])
@rule(MANAGERS)
def set_supply_cost(cohort_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    form = SupplyCostForm()
    if submit(form, lambda: services.set_supply_cost(current_user, cohort, pence=form.pence())):
        flash(f"Release letters now price a day of supply cover at {format_pounds(form.pence())}.", "success")
        return redirect(
            url_for("qualification.calendar.manage_sessions", cohort_id=cohort.id, _anchor="cost")
        )
    return _sessions_page(load_cohort(cohort.id), 422, supply_form=form)


def _session_form_page(cohort, session, status: int = 200, *, form=None, cancel_form=None):
    """The page of one session: the change form and the cancel form (as typed, or fresh), or, for a
    cancelled session, neither."""
    if not session.is_cancelled:
        form = form or EditSessionForm(data=_form_data(session))
        cancel_form = cancel_form or CancelSessionForm(prefix="cancel", version=session.version)
    return render_template(
        "qualification/calendar/edit_session.html",
        cohort=cohort,
        session=session,
        form=form,
        cancel_form=cancel_form,
        places=session_places(cohort, current_user),
        past=session.starts_at <= utcnow(),
    ), status


def _told(change: services.SessionChange) -> str:
    """'Session saved: 3 people booked or waiting were told; 1 on the waiting list was given a place.'"""
    parts = [_people(change.told, "booked or waiting", "told")] if change.told else ["nobody needed telling"]
    if change.given_places:
        parts.append(_people(len(change.given_places), "on the waiting list", "given a place"))
    return f"Session saved: {'; '.join(parts)}."


def _people(n: int, who: str, what: str) -> str:
    return f"{n} {'person' if n == 1 else 'people'} {who} {'was' if n == 1 else 'were'} {what}"


def _form_data(session: CohortSession) -> dict:
    """The session as its form shows it (times on the UK clock)."""
    local = {
        name: getattr(session, name).astimezone(UK).replace(tzinfo=None) for name in ("starts_at", "ends_at")
    }
    return {
        "kind": session.kind,
        "title": session.title,
        **local,
        "place": session.place or "",
        "link": session.link or "",
        "capacity": session.capacity,
        "module_codes": session.module_codes,
        "notes": session.notes_md,
        "version": session.version,
    }


@bp.route("/<int:cohort_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@rule(MANAGERS)
def edit_session(cohort_id: int, session_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    session = session_or_404(cohort, session_id)
    if session.is_cancelled:
        return _session_form_page(cohort, session)
    form = EditSessionForm(data=_form_data(session)) if request.method == "GET" else EditSessionForm()
    done = submit(
        form,
        lambda: services.edit_session(
            current_user, session, expected_version=whole(form.version.data), **session_details(form)
        ),
        conflicts=True,
    )
    if done:
        change = done.result
        flash(_told(change) if change.changed else "Nothing was changed.", "success")
        if change.moved and (warning := past_warning([session], utcnow())):
            flash(warning, "warning")
        return redirect(url_for("qualification.calendar.manage_sessions", cohort_id=cohort.id))
    if done.status == 409:
        _conflict(done.conflict, form, session)
    return _session_form_page(cohort, session, done.status, form=form)


@bp.route("/<int:cohort_id>/sessions/<int:session_id>/cancel-session", methods=["POST"])
@rule(MANAGERS)
def cancel_session(cohort_id: int, session_id: int):
    cohort = cohort_or_404(cohort_id, manage=True)
    session = session_or_404(cohort, session_id)
    form = CancelSessionForm(prefix="cancel")
    done = submit(
        form,
        lambda: services.cancel_session(
            current_user, session, reason=form.reason.data, expected_version=whole(form.version.data)
        ),
        conflicts=True,
    )
    if done:
        told = _people(done.result, "booked or waiting", "told") if done.result else "nobody needed telling"
        flash(f"{session.title} on {uk_day(session.starts_at)} is cancelled: {told}.", "success")
        return redirect(url_for("qualification.calendar.manage_sessions", cohort_id=cohort.id))
    if done.status == 409:
        _conflict(done.conflict, form, session)
    return _session_form_page(cohort, session, done.status, cancel_form=form)


def _conflict(message: str, form, session: CohortSession) -> None:
    """Someone changed or cancelled the session since the form was opened: say so on the page. What was
    typed stays and the hidden version moves on, so saving again (having checked) works."""
    if session.is_cancelled:
        flash(message, "error")
        return
    form.form_errors.append(message)
    form.version.data = str(session.version)
