"""Notifications: always in the app; by email at once, in a daily digest or never; quiet hours respected."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.mail.models import OutboxMessage
from core.notifications.models import Notification, NotificationPreference
from core.notifications.services import next_allowed, notify, send_digests
from tests.support.html import csrf_from, form_post, login


def _pref(start, end):
    return NotificationPreference(user_id=1, delivery="immediate", quiet_start=start, quiet_end=end)


@pytest.mark.parametrize(
    ("utc", "start", "end", "expected"),
    [
        # 22:30 UK in winter is inside 21:00-07:00: wait until 07:00 the next morning.
        (
            datetime(2026, 11, 22, 22, 30, tzinfo=UTC),
            time(21),
            time(7),
            datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
        ),
        # 05:00 UK is inside too, and ends the same morning.
        (
            datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
            time(21),
            time(7),
            datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
        ),
        # 18:00 UK is outside: now.
        (
            datetime(2026, 11, 22, 18, 0, tzinfo=UTC),
            time(21),
            time(7),
            datetime(2026, 11, 22, 18, 0, tzinfo=UTC),
        ),
        # A daytime window (the school day), in British Summer Time: 10:00 UK is 09:00 UTC.
        (
            datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
            time(8, 30),
            time(15, 30),
            datetime(2026, 6, 1, 14, 30, tzinfo=UTC),
        ),
        # No quiet hours.
        (datetime(2026, 11, 22, 23, 0, tzinfo=UTC), None, None, datetime(2026, 11, 22, 23, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_hold_email_until_they_end(utc, start, end, expected):
    assert next_allowed(utc, _pref(start, end)) == expected


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_candidate_sees_notifications_and_gets_them_by_email_by_default(client, app, candidate):
    with app.app_context():
        notify(candidate.id, kind="session_reminder", title="Twilight session tomorrow at 16:30")
        db.session.commit()
        mail = db.session.scalar(select(OutboxMessage))
        assert mail.to_address == candidate.email
        assert "Twilight session tomorrow" in mail.body_text
    login(client, candidate.email)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Twilight session tomorrow at 16:30" in page
    assert "New" in page
    response = form_post(client, "/notifications/", {}, action="/notifications/read", follow=True)
    assert "1 notification marked as read." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Notification.read_at)) is not None


def test_candidate_can_choose_a_daily_digest_with_quiet_hours(client, app, candidate):
    login(client, candidate.email)
    response = form_post(
        client,
        "/notifications/preferences",
        {"delivery": "digest", "digest_hour": "17", "quiet_start": "21:00", "quiet_end": "07:00"},
        follow=True,
    )
    assert "Your notification settings are saved." in response.get_data(as_text=True)
    with app.app_context():
        notify(candidate.id, kind="forum_reply", title="Sam replied to your thread")
        notify(candidate.id, kind="forum_reply", title="Kim replied to your thread")
        db.session.commit()
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0  # nothing until the digest
        # 16:00 UK: not yet; 17:10 UK: one email with both; again the same day: nothing more.
        assert send_digests(datetime(2026, 11, 23, 16, 0, tzinfo=UTC)) == 0
        assert send_digests(datetime(2026, 11, 23, 17, 10, tzinfo=UTC)) == 1
        assert send_digests(datetime(2026, 11, 23, 18, 10, tzinfo=UTC)) == 0
        db.session.commit()
        mail = db.session.scalar(select(OutboxMessage))
        assert "Sam replied" in mail.body_text
        assert "Kim replied" in mail.body_text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"delivery": "sometimes"}, "Not a valid choice"),
        ({"delivery": "immediate", "quiet_start": "21:00"}, "Give both the start and the end"),
        ({"delivery": "digest", "digest_hour": "25"}, "From 0 to 23."),
    ],
)
def test_candidate_cannot_save_bad_preferences(client, app, candidate, data, message):
    login(client, candidate.email)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    response = client.post("/notifications/preferences", data={**data, "csrf_token": csrf_from(page)})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(app, NotificationPreference) == 0


def test_people_see_only_their_own_notifications(client, app, candidate, admin):
    with app.app_context():
        notify(admin.id, kind="general", title="Only for the administrator")
        db.session.commit()
    login(client, candidate.email)
    assert "Only for the administrator" not in client.get("/notifications/").get_data(as_text=True)
