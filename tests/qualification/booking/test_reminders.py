"""Booked candidates are reminded of a session the day before, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.accounts.demo import load_demo
from core.accounts.models import User
from core.db.timeutil import utcnow
from core.extensions import db
from core.mail.models import OutboxMessage
from core.notifications.models import Notification
from qualification.booking.models import SessionBooking
from qualification.calendar.services import cancel_session, edit_session
from qualification.cohorts.models import CohortSession
from qualification.cohorts.queries import studies_of
from qualification.demo import load_demo_cohort, load_demo_qualification


def test_booked_candidates_are_reminded_once(app, runner):
    with app.app_context():
        load_demo()
        load_demo_qualification()
        load_demo_cohort()
        soon, later = db.session.scalars(select(CohortSession).order_by(CohortSession.id).limit(2)).all()
        soon.starts_at, soon.ends_at = utcnow() + timedelta(hours=20), utcnow() + timedelta(hours=21)
        later.starts_at, later.ends_at = utcnow() + timedelta(days=3), utcnow() + timedelta(days=3, hours=1)
        jo = db.session.scalar(select(User).where(User.email == "candidate@school.example"))
        chris = db.session.scalar(select(User).where(User.email == "candidate2@school.example"))
        db.session.add_all(
            [
                SessionBooking(session_id=soon.id, candidate_id=jo.id),
                SessionBooking(session_id=later.id, candidate_id=jo.id),
                SessionBooking(session_id=soon.id, candidate_id=chris.id, status="cancelled"),
            ]
        )
        db.session.commit()
        jo_id, title, soon_id = jo.id, soon.title, soon.id

    first = runner.invoke(args=["sessions", "remind"])
    second = runner.invoke(args=["sessions", "remind"])
    assert first.output.strip() == "1 reminder(s) sent"
    assert second.output.strip() == "0 reminder(s) sent"
    with app.app_context():
        note = db.session.scalar(select(Notification))
        assert note.user_id == jo_id
        assert note.title.startswith(f"Reminder: {title}")
        # It names the cohort and what it studies, as every notification about a cohort's work does.
        cohort = db.session.get(CohortSession, soon_id).cohort
        about = f"{cohort.name}, studying {studies_of(cohort)}"
        assert note.about == about
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.category.like("notification:%")))
        assert f"Cohort: {about}" in mail.body_text
        assert (
            db.session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.category.like("notification:%"))
            )
            == 1
        )


def _jo_booked_tomorrow() -> CohortSession:
    """The demo's first session moved to 20 hours from now, with Jo booked on it (in the app context)."""
    load_demo()
    load_demo_qualification()
    load_demo_cohort()
    soon = db.session.scalars(select(CohortSession).order_by(CohortSession.id).limit(1)).one()
    soon.starts_at, soon.ends_at = utcnow() + timedelta(hours=20), utcnow() + timedelta(hours=21)
    jo = db.session.scalar(select(User).where(User.email == "candidate@school.example"))
    db.session.add(SessionBooking(session_id=soon.id, candidate_id=jo.id))
    return soon


def test_a_cancelled_session_is_not_reminded(app, runner):
    with app.app_context():
        soon = _jo_booked_tomorrow()
        cancel_session(soon.cohort.course_leader, soon, reason="The room flooded.")
        db.session.commit()
        told = db.session.scalar(select(func.count(Notification.id)))

    assert runner.invoke(args=["sessions", "remind"]).output.strip() == "0 reminder(s) sent"
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == told == 1  # the cancellation only


def test_a_session_moved_after_its_reminder_is_reminded_again(app, runner):
    with app.app_context():
        session_id = _jo_booked_tomorrow().id
        db.session.commit()
    assert runner.invoke(args=["sessions", "remind"]).output.strip() == "1 reminder(s) sent"
    with app.app_context():
        soon = db.session.get(CohortSession, session_id)
        later = soon.starts_at + timedelta(hours=2)
        edit_session(
            soon.cohort.course_leader,
            soon,
            kind=soon.kind,
            title=soon.title,
            starts_at=later,
            ends_at=later + timedelta(hours=1),
            place=soon.place,
            link=soon.link,
            capacity=soon.capacity,
            module_codes=soon.modules,
        )
        db.session.commit()
    assert runner.invoke(args=["sessions", "remind"]).output.strip() == "1 reminder(s) sent"
    assert runner.invoke(args=["sessions", "remind"]).output.strip() == "0 reminder(s) sent"
