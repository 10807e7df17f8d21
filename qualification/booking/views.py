"""Session bookings, a candidate's own sessions and feed, and attendance (on the `cohorts` blueprint).

Importing this module before the app is built registers the routes and the `session_places` template global.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField

from core.db.timeutil import utcnow
from core.extensions import db
from core.forms import submit
from core.web.access import PUBLIC, SIGNED_IN, rule
from core.web.urls import absolute_url
from qualification.booking import services as booking
from qualification.booking.models import BookingStatus
from qualification.booking.permissions import can_book_sessions, can_record_attendance
from qualification.booking.queries import attendance_sheet, booked_sessions, session_places, waiting_turns
from qualification.booking.services import feed
from qualification.booking.services.feed import feed_token, feed_user_id
from qualification.calendar.rules import build_ics, uk_day
from qualification.cohorts.models import CohortSession
from qualification.cohorts.queries import cohort_or_404, session_or_404
from qualification.deadlines.queries.personal import personal_deadlines
from qualification.deadlines.rules import with_deadline_events

bp = Blueprint("booking", __name__, url_prefix="/cohorts")

FEED_NAME = "My Waymark sessions"


class AttendanceForm(FlaskForm):
    # Rendered by hand in the template (one checkbox per candidate, with their booking beside it).
    attended = SelectMultipleField("Attended", coerce=int)


bp.add_app_template_global(session_places, "session_places")


def _back(cohort, session: CohortSession):
    if request.form.get("back") == "mine":
        return redirect(url_for("qualification.booking.my_sessions", cohort_id=cohort.id))
    return redirect(
        url_for("qualification.cohorts.show_cohort", cohort_id=cohort.id) + f"#session-{session.id}"
    )


def _change_booking(cohort_id: int, session_id: int, service, message: str = ""):
    """Book, wait for or give up a place, then say where it stands; `message` (for giving up) may name the
    session's {title}."""
    cohort = cohort_or_404(cohort_id)
    session = session_or_404(cohort, session_id)
    result = service(current_user, session)
    turn = None
    if result is not None and result.status == BookingStatus.WAITING:
        turn = waiting_turns(current_user.id, [session.id]).get(session.id)
        message = (
            "{title} is full, so you are on its waiting list (number {turn}). If a place comes free it is "
            "yours, and you are told."
        )
    elif result is not None and result.status == BookingStatus.BOOKED:
        message = "You have a place at {title} on {day}."
    db.session.commit()
    flash(message.format(title=session.title, day=uk_day(session.starts_at), turn=turn), "success")
    return _back(cohort, session)


@bp.route("/<int:cohort_id>/sessions/<int:session_id>/book", methods=["POST"])
@rule(SIGNED_IN)
def book_session(cohort_id: int, session_id: int):
    return _change_booking(cohort_id, session_id, booking.book_session)


@bp.route("/<int:cohort_id>/sessions/<int:session_id>/wait", methods=["POST"])
@rule(SIGNED_IN)
def join_waiting_list(cohort_id: int, session_id: int):
    return _change_booking(cohort_id, session_id, booking.join_waiting_list)


@bp.route("/<int:cohort_id>/sessions/<int:session_id>/cancel", methods=["POST"])
@rule(SIGNED_IN)
def cancel_booking(cohort_id: int, session_id: int):
    message = "Your booking for {title} is cancelled and the place is free for someone else."
    return _change_booking(cohort_id, session_id, booking.cancel_booking, message)


@bp.route("/<int:cohort_id>/sessions/<int:session_id>/leave-waiting-list", methods=["POST"])
@rule(SIGNED_IN)
def leave_waiting_list(cohort_id: int, session_id: int):
    message = "You have left the waiting list for {title}."
    return _change_booking(cohort_id, session_id, booking.leave_waiting_list, message)


@bp.route("/<int:cohort_id>/my-sessions")
@rule(SIGNED_IN)
def my_sessions(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    if not can_book_sessions(current_user, cohort):
        abort(403)  # staff may see the cohort, but have no bookings of their own in it
    feed_url = absolute_url("qualification.booking.bookings_feed", signed=feed_token(current_user.id))
    return render_template(
        "qualification/booking/my_sessions.html",
        cohort=cohort,
        booked=booked_sessions(current_user.id, cohort.id, waiting=True),
        now=utcnow(),
        feed_url=feed_url,
        # webcal:// makes Apple Calendar and Outlook offer to subscribe rather than import once.
        webcal_url="webcal://" + feed_url.split("://", 1)[1],
    )


@bp.route("/<int:cohort_id>/my-sessions/new-feed-address", methods=["POST"])
@rule(SIGNED_IN)
def new_feed_address(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    if not can_book_sessions(current_user, cohort):
        abort(403)
    feed.new_feed_address(current_user)
    db.session.commit()
    flash(
        "Your feed has a new address. The old one no longer works: subscribe again with the new address "
        "below, and remove the old subscription from your calendar.",
        "success",
    )
    return redirect(url_for("qualification.booking.my_sessions", cohort_id=cohort.id) + "#feed")


@bp.route("/my-sessions/<signed>.ics")
@rule(PUBLIC)
def bookings_feed(signed: str):
    # Calendar apps cannot sign in: the signed address is the credential, so a bad one is simply not found.
    user_id = feed_user_id(signed)
    if user_id is None:
        abort(404)
    sessions = [s for s, _ in booked_sessions(user_id)]
    # build_ics only reads the calendar's name from its first argument.
    now = utcnow()
    body = build_ics(SimpleNamespace(name=FEED_NAME), sessions, now=now)
    body = with_deadline_events(body, [d.event() for d in personal_deadlines(user_id)], now=now)
    return Response(
        body,
        content_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="my-sessions.ics"',
            "Cache-Control": "private, no-cache",
        },
    )


@bp.route("/<int:cohort_id>/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@rule(SIGNED_IN)
def record_attendance(cohort_id: int, session_id: int):
    cohort = cohort_or_404(cohort_id)
    session = session_or_404(cohort, session_id)
    if not can_record_attendance(current_user, cohort):
        abort(403)
    sheet = attendance_sheet(session)
    form = AttendanceForm()
    form.attended.choices = [(m.user_id, m.user.name) for m, _ in sheet]
    outcome = submit(form, lambda: booking.record_attendance(current_user, session, form.attended.data or []))
    if outcome:
        result = outcome.result
        flash(
            f"Attendance saved: {len(result.newly_attended)} newly marked as attending; "
            f"{result.activities_completed} session activit"
            f"{'y' if result.activities_completed == 1 else 'ies'} completed.",
            "success",
        )
        return redirect(
            url_for("qualification.booking.record_attendance", cohort_id=cohort.id, session_id=session.id)
        )
    return render_template(
        "qualification/booking/attendance.html",
        cohort=cohort,
        session=session,
        sheet=sheet,
        form=form,
        started=session.starts_at <= utcnow(),
        day=uk_day(session.starts_at),
    ), outcome.status
