"""Reminders of booked sessions, the day before (run hourly from cron: `flask sessions remind`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.extensions import db
from core.formatting import format_datetime
from core.notifications.models import Notification
from core.notifications.services import notify
from qualification.models import CohortSession, SessionBooking

WINDOW = timedelta(hours=24)


def remind_upcoming_sessions(now: datetime) -> int:
    """Notify everyone booked on a session starting within a day, once per booking; return how many."""
    rows = db.session.execute(
        select(SessionBooking, CohortSession)
        .join(CohortSession, CohortSession.id == SessionBooking.session_id)
        .where(
            SessionBooking.status == "booked",
            CohortSession.starts_at > now,
            CohortSession.starts_at <= now + WINDOW,
        )
    ).all()
    sent = 0
    for booking, session in rows:
        # The kind names the session, so a second run (or a second server) never reminds twice.
        kind = f"session_reminder:{session.id}"
        already = db.session.scalar(
            select(Notification.id).where(Notification.user_id == booking.user_id, Notification.kind == kind)
        )
        if already:
            continue
        where = session.place or "online"
        notify(
            booking.user_id,
            kind=kind,
            title=f"Reminder: {session.title}, {format_datetime(session.starts_at)}",
            body=f"{session.kind_enum.label}, {where}." + (f" Join: {session.link}" if session.link else ""),
            link_endpoint="cohorts.show_cohort",
            cohort_id=session.cohort_id,
        )
        sent += 1
    return sent
