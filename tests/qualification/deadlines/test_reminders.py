"""Reminders of a deadline a week and a day before, once each, never to a candidate who handed the module
in, by email outside their quiet hours; sent by `flask deadlines remind` (run hourly)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from core.db.timeutil import UK
from core.extensions import db
from core.mail.models import OutboxMessage
from core.notifications.models import Notification
from qualification.deadlines.models import DeadlineReminder
from qualification.deadlines.rules import long_date
from qualification.deadlines.services import remind_deadlines
from tests.support.deadlines import in_days, leader_sets
from tests.support.html import form_post, signed_in
from tests.support.people import CHRIS, JO, MORGAN
from tests.support.submissions import add_item, submit


def _reminded(app) -> list[tuple[int, str]]:
    with app.app_context():
        return list(
            db.session.execute(
                select(Notification.user_id, Notification.title)
                .where(Notification.kind == "deadline_reminder")
                .order_by(Notification.id)
            ).all()
        )


def _at(day, hour: int, minute: int = 0) -> datetime:
    """A UK wall-clock moment on that day."""
    return datetime.combine(day, time(hour, minute), tzinfo=UK)


def test_candidates_are_reminded_a_week_and_a_day_before_once_each(app, runner, demo):
    due = in_days(7)
    leader_sets(app, demo, "M01", due)
    # Jo has handed M01 in: nothing to remind her of.
    add_item(app, JO, "Careers plan for Year 9")
    submit(signed_in(app, JO), "M01")

    first = runner.invoke(args=["deadlines", "remind"])
    again = runner.invoke(args=["deadlines", "remind"])
    assert first.output.strip() == "2 reminder(s) sent"
    assert again.output.strip() == "0 reminder(s) sent"
    week = f"Reminder: M01 is due in 7 days, {long_date(due)}"
    assert sorted(_reminded(app)) == sorted([(demo.ids[CHRIS], week), (demo.ids[MORGAN], week)])

    # The day before (the job runs hourly: twice that day), the day's reminder, once.
    with app.app_context():
        assert remind_deadlines(_at(due - timedelta(days=1), 9)) == 2
        assert remind_deadlines(_at(due - timedelta(days=1), 10)) == 0
        db.session.commit()
    day = f"Reminder: M01 is due tomorrow, {long_date(due)}"
    assert [title for _, title in _reminded(app)][2:] == [day, day]
    with app.app_context():
        assert db.session.scalars(select(DeadlineReminder.days).order_by(DeadlineReminder.id)).all() == [
            7,
            7,
            1,
            1,
        ]


def test_a_deadline_set_a_day_ahead_gets_only_the_days_reminder(app, runner, demo):
    leader_sets(app, demo, "M02", in_days(1))
    assert runner.invoke(args=["deadlines", "remind"]).output.strip() == "3 reminder(s) sent"
    assert {title.split(",")[0] for _, title in _reminded(app)} == {"Reminder: M02 is due tomorrow"}


def test_nothing_is_sent_more_than_a_week_ahead_or_after_the_day(app, demo):
    due = in_days(10)
    leader_sets(app, demo, "M01", due)
    with app.app_context():
        assert remind_deadlines(_at(due - timedelta(days=8), 12)) == 0
        assert remind_deadlines(_at(due + timedelta(days=1), 12)) == 0
    assert _reminded(app) == []


def test_the_reminders_email_waits_for_the_end_of_quiet_hours(app, demo):
    due = in_days(7)
    leader_sets(app, demo, "M01", due)
    # Chris keeps quiet hours around this very moment (the email is held by the clock it is sent at).
    now = datetime.now(UK).replace(second=0, microsecond=0)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    chris = signed_in(app, CHRIS)
    saved = form_post(
        chris,
        "/notifications/preferences",
        {
            "delivery": "immediate",
            "digest_hour": "17",
            "quiet_start": f"{start:%H:%M}",
            "quiet_end": f"{end:%H:%M}",
        },
        follow=True,
    )
    assert "Your notification settings are saved." in saved.get_data(as_text=True)
    with app.app_context():
        assert remind_deadlines(now) == 3
        db.session.commit()
        # (the first email each had told them the deadline was set; these are the reminders)
        reminder = OutboxMessage.subject.like("Reminder:%")
        held = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == CHRIS, reminder))
        assert held.subject == f"Reminder: M01 is due in 7 days, {long_date(due)}"
        assert held.next_attempt_at.astimezone(UK) == end
        jo_mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == JO, reminder))
        assert jo_mail.next_attempt_at <= datetime.now(UK)  # no quiet hours: at once
