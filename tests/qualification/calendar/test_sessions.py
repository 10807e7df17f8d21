"""The course leader changes, reschedules and cancels sessions: those booked are told, calendars update the
event (same UID, higher SEQUENCE, STATUS:CANCELLED, UK times with their zone); bad changes change nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.db.timeutil import UK
from core.extensions import db
from qualification.calendar import views as calendar_views
from qualification.calendar.rules import uk_day, uk_when
from qualification.cohorts.models import Cohort, CohortSession
from tests.support.demo import demo_ids, load_demo_data
from tests.support.html import csrf_from, page_text, signed_in
from tests.support.mail import emails_to
from tests.support.people import JO, LEADER, MORGAN, TOM
from tests.support.sessions import (
    add_session,
    cancel_session,
    change_session,
    edit_page,
    feed_event,
    notifications,
    press,
    section_of,
    session_row,
    twilight,
    wednesday,
)


@pytest.fixture
def demo(app):
    load_demo_data(app, content=False)
    cohort_id, ids = demo_ids(app)
    return SimpleNamespace(cohort_id=cohort_id, ids=ids)


def _publish(client, cohort_id) -> str:
    """Publish the calendar from the cohort page; the feed's path from the link the page then shows."""
    page = client.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    token = csrf_from(page)
    html = client.post(
        f"/cohorts/{cohort_id}/calendar/publish", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    return re.search(r'href="(/cohorts/calendar/[A-Za-z0-9_-]+\.ics)"', html).group(1)


def _actions(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action == action))


def test_rescheduling_a_booked_session_tells_the_candidate_and_updates_the_feed(app, demo):
    day = wednesday(3)
    session_id = add_session(app, demo.cohort_id, twilight(day))
    leader, jo = signed_in(app, LEADER), signed_in(app, JO)
    feed_url = _publish(leader, demo.cohort_id)
    press(jo, demo.cohort_id, session_id, "book")
    calendar_app = app.test_client()
    before, calendar = feed_event(calendar_app, feed_url, session_id)
    assert before["SEQUENCE"] == 0
    assert str(before["STATUS"]) == "CONFIRMED"

    later = day + timedelta(days=7)
    done = change_session(
        leader,
        demo.cohort_id,
        session_id,
        {"starts_at": f"{later}T17:00", "ends_at": f"{later}T18:30", "place": "Northmoor Campus, Room B12"},
    )
    assert done.request.path == f"/cohorts/{demo.cohort_id}/sessions"
    assert "Session saved: 1 person booked or waiting was told." in page_text(done)

    row = session_row(app, session_id)
    assert row["starts_at"] == datetime(later.year, later.month, later.day, 17, tzinfo=UK)
    assert (row["sequence"], row["place"], row["status"]) == (1, "Northmoor Campus, Room B12", "scheduled")
    now_when = uk_when(row["starts_at"], row["ends_at"])
    (note,) = notifications(app, demo.ids[JO])
    assert note.title == f"Session moved: Careers guidance in practice, {now_when}"
    was = uk_day(datetime(day.year, day.month, day.day, 16, 30, tzinfo=UK))
    assert f"Now {now_when} (was {was}, 16:30 to 18:00)" in note.body
    assert "Now at Northmoor Campus, Room B12 (was Hollins Park Academy, library)" in note.body
    # Jo sees it in Waymark and was emailed it (she has no quiet hours: it waits for none).
    seen = page_text(jo.get("/notifications/"))
    assert note.title in seen
    assert any(note.title in body for body in emails_to(app, JO))

    # The calendar app finds the same event, revised, on the UK clock with the zone described.
    after, calendar = feed_event(calendar_app, feed_url, session_id)
    assert str(after["UID"]) == str(before["UID"]) == f"session-{session_id}@waymark"
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1 == row["sequence"]
    assert after["DTSTART"].params["TZID"] == "Europe/London"
    start = after.decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (17, 0, "Europe/London")
    assert start == row["starts_at"]
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/London"
    described = zone.to_tz()  # the VTIMEZONE alone gives the UK's offsets, summer and winter
    assert datetime(2027, 7, 1, 12, tzinfo=described).utcoffset() == timedelta(hours=1)
    assert datetime(2027, 1, 1, 12, tzinfo=described).utcoffset() == timedelta(0)
    assert _actions(app, "session_changed") == 1


def test_cancelling_keeps_the_session_marked_cancelled_and_tells_those_booked(app, demo):
    session_id = add_session(app, demo.cohort_id, twilight(wednesday(2)))
    leader, jo = signed_in(app, LEADER), signed_in(app, JO)
    feed_url = _publish(leader, demo.cohort_id)
    press(jo, demo.cohort_id, session_id, "book")
    before, _ = feed_event(app.test_client(), feed_url, session_id)

    # No reason: refused, nothing changed, nobody told.
    refused = cancel_session(leader, demo.cohort_id, session_id, "  ", follow=False)
    assert refused.status_code == 422
    assert "Say why the session is cancelled" in page_text(refused)
    assert session_row(app, session_id)["status"] == "scheduled"
    assert notifications(app, demo.ids[JO]) == []

    done = cancel_session(leader, demo.cohort_id, session_id, "The speaker is ill; we will add a new date.")
    day = uk_day(session_row(app, session_id)["starts_at"])
    assert (
        f"Careers guidance in practice on {day} is cancelled: 1 person booked or waiting was told."
        in page_text(done)
    )
    row = session_row(app, session_id)
    assert (row["status"], row["cancel_reason"], row["sequence"]) == (
        "cancelled",
        "The speaker is ill; we will add a new date.",
        1,
    )
    assert row["cancelled_at"] is not None
    (note,) = notifications(app, demo.ids[JO])
    assert note.title.startswith("Cancelled: Careers guidance in practice")
    assert "The speaker is ill" in note.body

    after, _ = feed_event(app.test_client(), feed_url, session_id)
    assert str(after["UID"]) == str(before["UID"])
    assert str(after["STATUS"]) == "CANCELLED"
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert str(after["SUMMARY"]).startswith("Cancelled: ")

    # The cohort page says so, and Jo has nothing to press; the session can no longer be changed.
    section = section_of(jo.get(f"/cohorts/{demo.cohort_id}").get_data(as_text=True), session_id)
    assert "Cancelled" in section
    assert "The speaker is ill" in section
    assert "Cancel my booking" not in section
    assert "Book a place" not in section
    assert "A cancelled session can no longer be changed." in page_text(
        leader.get(edit_page(demo.cohort_id, session_id))
    )
    token = csrf_from(leader.get(f"/cohorts/{demo.cohort_id}/sessions").get_data(as_text=True))
    again = leader.post(
        f"/cohorts/{demo.cohort_id}/sessions/{session_id}/cancel-session",
        data={"csrf_token": token, "cancel-reason": "Twice", "cancel-version": "9"},
    )
    assert again.status_code == 409
    assert session_row(app, session_id)["cancel_reason"] == "The speaker is ill; we will add a new date."
    assert _actions(app, "session_cancelled") == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": "{day}T16:00"}, "ends_at", "The session must end after it starts."),
        (
            {"starts_at": "2025-05-14T09:30", "ends_at": "2025-05-14T15:30"},
            "starts_at",
            "The cohort starts on 18 September 2026: a session cannot be before then. Check the date, and the"
            " year.",
        ),
        ({"title": ""}, "title", "Give the session a title."),
        ({"capacity": "0"}, "capacity", "Number must be between 1 and 10000."),
    ],
)
def test_a_bad_change_is_refused_with_a_clear_message_and_changes_nothing(app, demo, changes, field, message):
    day = wednesday(2)
    session_id = add_session(app, demo.cohort_id, twilight(day))
    press(signed_in(app, JO), demo.cohort_id, session_id, "book")
    before = session_row(app, session_id)
    leader = signed_in(app, LEADER)
    typed = {name: value.format(day=day) for name, value in changes.items()}
    refused = change_session(leader, demo.cohort_id, session_id, typed, follow=False)
    assert refused.status_code == 422
    assert message in page_text(refused)
    assert f'id="{field}-error"' in refused.get_data(as_text=True)
    assert session_row(app, session_id) == before
    assert notifications(app, demo.ids[JO]) == []
    assert _actions(app, "session_changed") == 0


def _session_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(CohortSession.id)))


def _add_form(client, cohort_id, data: dict, **kw):
    url = f"/cohorts/{cohort_id}/sessions/new"
    return client.post(
        url, data={**data, "csrf_token": csrf_from(client.get(url).get_data(as_text=True))}, **kw
    )


def test_a_session_cannot_be_added_before_the_cohort_starts(app, demo):
    leader = signed_in(app, LEADER)
    before = _session_count(app)
    data = twilight(
        wednesday(1), starts_at="2025-05-14T09:30", ends_at="2025-05-14T15:30", kind="day_release"
    )
    refused = _add_form(leader, demo.cohort_id, data)
    assert refused.status_code == 422
    assert "The cohort starts on 18 September 2026: a session cannot be before then." in page_text(refused)
    assert _session_count(app) == before


def test_a_session_put_in_the_past_is_kept_with_a_plain_warning(app, demo):
    data = twilight(wednesday(-1), title="Catch-up twilight")
    done = _add_form(signed_in(app, LEADER), demo.cohort_id, data, follow_redirects=True)
    with app.app_context():
        added = db.session.scalar(select(CohortSession).where(CohortSession.title == "Catch-up twilight"))
        day = uk_day(added.starts_at)
    assert f"Check the date: {day} has already passed." in page_text(done)


def test_a_stale_form_is_refused_and_an_unchanged_one_tells_nobody(app, demo):
    day = wednesday(2)
    session_id = add_session(app, demo.cohort_id, twilight(day))
    press(signed_in(app, JO), demo.cohort_id, session_id, "book")
    leader = signed_in(app, LEADER)

    unchanged = change_session(leader, demo.cohort_id, session_id, {})
    assert "Nothing was changed." in page_text(unchanged)
    assert session_row(app, session_id)["sequence"] == 0
    assert notifications(app, demo.ids[JO]) == []

    # A capacity change is kept but is not news to those booked, nor to their calendars.
    change_session(leader, demo.cohort_id, session_id, {"capacity": "25"})
    assert (session_row(app, session_id)["capacity"], session_row(app, session_id)["sequence"]) == (25, 0)
    assert notifications(app, demo.ids[JO]) == []

    before = session_row(app, session_id)
    stale = change_session(
        leader, demo.cohort_id, session_id, {"title": "Renamed", "version": "1"}, follow=False
    )
    assert stale.status_code == 409
    assert "Someone changed this session since you opened the page." in page_text(stale)
    assert session_row(app, session_id) == before


def test_only_the_course_leader_changes_sessions(app, demo):
    session_id = add_session(app, demo.cohort_id, twilight(wednesday(2)))
    for email in (JO, TOM):
        client = signed_in(app, email)
        assert client.get(edit_page(demo.cohort_id, session_id)).status_code == 403
        assert client.get(f"/cohorts/{demo.cohort_id}/sessions").status_code == 403
        token = csrf_from(client.get("/account").get_data(as_text=True))
        cancel = f"/cohorts/{demo.cohort_id}/sessions/{session_id}/cancel-session"
        assert client.post(cancel, data={"csrf_token": token, "cancel-reason": "x"}).status_code == 403
    assert session_row(app, session_id)["status"] == "scheduled"
    # The cohort page offers the link to the course leader only.
    link = f'href="{edit_page(demo.cohort_id, session_id)}"'
    assert link in signed_in(app, LEADER).get(f"/cohorts/{demo.cohort_id}").get_data(as_text=True)
    assert link not in signed_in(app, MORGAN).get(f"/cohorts/{demo.cohort_id}").get_data(as_text=True)


def test_the_leader_sets_the_supply_cover_rate_used_by_release_letters(app, demo):
    leader = signed_in(app, LEADER)
    page = f"/cohorts/{demo.cohort_id}/sessions"
    action = f"/cohorts/{demo.cohort_id}/calendar/supply-cost"
    assert 'value="180.00"' in leader.get(page).get_data(as_text=True)
    for typed, message in (
        ("-5", "from £0 to £1,000"),
        ("lots", "Not a valid decimal value"),
        ("", "Enter the cost"),
    ):
        token = csrf_from(leader.get(page).get_data(as_text=True))
        refused = leader.post(action, data={"csrf_token": token, "pounds": typed})
        assert refused.status_code == 422
        assert message in page_text(refused)
    with app.app_context():
        assert db.session.get(Cohort, demo.cohort_id).supply_cost_pence == 18000

    token = csrf_from(leader.get(page).get_data(as_text=True))
    done = leader.post(action, data={"csrf_token": token, "pounds": "152.50"}, follow_redirects=True)
    assert "Release letters now price a day of supply cover at £152.50." in page_text(done)
    add_session(app, demo.cohort_id, twilight(wednesday(4), kind="day_release", title="Spring day"))
    jo = signed_in(app, JO)
    assert "supply cover at £152.50 a day" in page_text(jo.get(f"/cohorts/{demo.cohort_id}/release-letter"))
    token = csrf_from(jo.get("/account").get_data(as_text=True))
    assert jo.post(action, data={"csrf_token": token, "pounds": "1"}).status_code == 403
    assert _actions(app, "cohort_supply_cost_set") == 1


def test_release_letters_leave_out_past_and_cancelled_sessions(app, demo, monkeypatch):
    # The demo's December half day is cancelled; the letter is read on 1 November 2026.
    with app.app_context():
        december = db.session.scalar(select(CohortSession.id).where(CohortSession.kind == "half_day"))
    cancel_session(signed_in(app, LEADER), demo.cohort_id, december, "The room is not available.")
    monkeypatch.setattr(calendar_views, "utcnow", lambda: datetime(2026, 11, 1, 9, tzinfo=UTC))
    letter = page_text(signed_in(app, JO).get(f"/cohorts/{demo.cohort_id}/release-letter"))
    release = letter[
        letter.index("Sessions in school time") : letter.index("After school, no release needed")
    ]
    assert "Friday 5 February 2027" in release
    assert "Friday 18 September 2026" not in letter  # past
    assert "Wednesday 2 December 2026" not in letter  # cancelled
    assert "Wednesday 7 October 2026" not in letter  # past, after school
    assert "Wednesday 4 November 2026" in letter[letter.index("After school, no release needed") :]
    assert "1 day of release (1 full day) — about £180 of supply cover at £180 a day" in letter
