"""Deadlines in calendars: the cohort's published feed carries each module's deadline as an all-day event; a
candidate's personal feed carries their own deadline, which an extension moves (same UID, higher SEQUENCE)."""

from __future__ import annotations

import re
from datetime import date

from icalendar import Calendar

from qualification.deadlines.rules import deadline_uid
from tests.support.deadlines import ask, decide, extensions, in_days, leader_sets
from tests.support.html import csrf_from, signed_in
from tests.support.people import JO, LEADER

FEED = re.compile(r"<code>https?://[^/]+(/cohorts/my-sessions/[^<]+\.ics)</code>")


def _deadline_events(body: bytes) -> dict[str, object]:
    events = Calendar.from_ical(body).walk("VEVENT")
    return {str(e["UID"]): e for e in events if str(e["UID"]).startswith("deadline-")}


def _personal_feed(client, cohort_id: int) -> str:
    match = FEED.search(client.get(f"/cohorts/{cohort_id}/my-sessions").get_data(as_text=True))
    assert match, "no feed address on the My sessions page"
    return match.group(1)


def _published_feed(app, cohort_id: int) -> str:
    leader = signed_in(app, LEADER)
    page = leader.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    html = leader.post(
        f"/cohorts/{cohort_id}/calendar/publish", data={"csrf_token": csrf_from(page)}, follow_redirects=True
    ).get_data(as_text=True)
    match = re.search(r'href="(/cohorts/calendar/[A-Za-z0-9_-]+\.ics)"', html)
    assert match, "no feed link on the cohort page"
    return match.group(1)


def test_the_published_calendar_carries_the_cohorts_deadlines_as_all_day_events(app, demo):
    due = in_days(20)
    deadline = leader_sets(app, demo, "M02", due)
    body = app.test_client().get(_published_feed(app, demo.cohort_id)).data
    events = _deadline_events(body)
    event = events[deadline_uid(deadline)]
    assert event.decoded("DTSTART") == due
    assert not hasattr(event.decoded("DTSTART"), "hour")
    assert event.decoded("DTEND") == date.fromordinal(due.toordinal() + 1)
    assert str(event["SUMMARY"]) == "Deadline: M02 Planning and Organising CEIAG Provision"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    # The sessions are still there beside it.
    assert any(str(e["UID"]).startswith("session-") for e in Calendar.from_ical(body).walk("VEVENT"))


def test_an_extension_moves_the_deadline_in_the_candidates_own_feed(app, demo):
    due, granted = in_days(20), in_days(30)
    deadline = leader_sets(app, demo, "M01", due)
    jo = signed_in(app, JO)
    feed = _personal_feed(jo, demo.cohort_id)
    uid = deadline_uid(deadline, demo.ids[JO])
    before = _deadline_events(app.test_client().get(feed).data)[uid]
    assert before.decoded("DTSTART") == due

    ask(jo, demo, deadline, in_days(34), "Inspection week at school.")
    (request,) = extensions(app)
    decide(signed_in(app, LEADER), demo, request.id, "Grant the extension", {"until": granted.isoformat()})

    after = _deadline_events(app.test_client().get(feed).data)[uid]
    assert after.decoded("DTSTART") == granted
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert "Extended from" in str(after["DESCRIPTION"])
