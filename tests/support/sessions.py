"""A cohort's sessions through their pages: the course leader adds, changes and cancels them, candidates press
Book / Join the waiting list / Cancel on the cohort page, and calendar feeds are read as a calendar app reads
them (with the `icalendar` library)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from core.db.timeutil import UK
from core.extensions import db
from core.notifications.models import Notification
from qualification.booking.models import SessionBooking
from qualification.cohorts.models import CohortSession
from tests.support.html import csrf_from, send_form, signed_in
from tests.support.people import LEADER

# A twilight session serving M01: attendance completes M01's twilight session activity.
TWILIGHT = {
    "kind": "twilight",
    "title": "Needs conversations in practice",
    "starts_at": "2027-03-10T16:30",
    "ends_at": "2027-03-10T18:00",
    "place": "Hollins Park Academy, library",
    "link": "",
    "capacity": "30",
    "module_codes": "M01",
    "notes": "",
}


def wednesday(weeks_ahead: int) -> date:
    """A Wednesday some weeks from today (UK date), so the session is always still to come."""
    today = datetime.now(UK).date()
    return today + timedelta(days=(2 - today.weekday()) % 7 + 7 * weeks_ahead)


def twilight(day: date, **changes) -> dict:
    """The "Add a session" form for a 16:30-18:00 twilight on that day, with changes."""
    return {
        "kind": "twilight",
        "title": "Careers guidance in practice",
        "starts_at": f"{day.isoformat()}T16:30",
        "ends_at": f"{day.isoformat()}T18:00",
        "place": "Hollins Park Academy, library",
        "link": "",
        "capacity": "30",
        "module_codes": "M01",
        "notes": "",
        **changes,
    }


def add_session(app, cohort_id: int, data: dict) -> int:
    """The course leader adds one session through the "Add a session" form; its id back."""
    leader = signed_in(app, LEADER)
    url = f"/cohorts/{cohort_id}/sessions/new"
    token = csrf_from(leader.get(url).get_data(as_text=True))
    response = leader.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return db.session.scalar(select(CohortSession.id).order_by(CohortSession.id.desc()).limit(1))


def edit_page(cohort_id: int, session_id: int) -> str:
    return f"/cohorts/{cohort_id}/sessions/{session_id}/edit"


def change_session(client, cohort_id: int, session_id: int, changes: dict, *, follow: bool = True):
    """Open the session's page, change fields of its "Save changes" form and send it."""
    page = edit_page(cohort_id, session_id)
    return send_form(client, page, page, changes, follow=follow)


def cancel_session(client, cohort_id: int, session_id: int, reason: str, *, follow: bool = True):
    """Open the session's page and send its "Cancel this session" form with a reason."""
    action = f"/cohorts/{cohort_id}/sessions/{session_id}/cancel-session"
    return send_form(
        client, edit_page(cohort_id, session_id), action, {"cancel-reason": reason}, follow=follow
    )


def press(client, cohort_id: int, session_id: int, action: str, *, follow: bool = True):
    """Press a session's button on the cohort page (book, wait, cancel, leave-waiting-list); the form must
    be there."""
    url = f"/cohorts/{cohort_id}/sessions/{session_id}/{action}"
    return send_form(client, f"/cohorts/{cohort_id}", url, {}, follow=follow)


def section_of(html: str, session_id: int) -> str:
    """The booking controls of one session on the cohort page."""
    start = html.index(f'id="session-{session_id}"')
    return html[start : html.index("</div>", start)]


def bookings(app, session_id: int) -> dict[int, str]:
    """candidate id -> the status of their booking of the session."""
    with app.app_context():
        rows = db.session.scalars(select(SessionBooking).where(SessionBooking.session_id == session_id))
        return {b.candidate_id: str(b.status) for b in rows}


def session_row(app, session_id: int) -> dict:
    """The session's columns as plain values."""
    with app.app_context():
        session = db.session.get(CohortSession, session_id)
        return {c.name: getattr(session, c.name) for c in CohortSession.__table__.columns}


def notifications(app, user_id: int) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def feed_event(client, feed_url: str, session_id: int):
    """The session's VEVENT in the feed, parsed as a calendar app parses it, and the whole calendar."""
    response = client.get(feed_url)
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.data)
    uid = f"session-{session_id}@waymark"
    events = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid]
    assert len(events) == 1, f"{uid} is not in the feed once"
    return events[0], calendar
