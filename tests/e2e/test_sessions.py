"""Sessions that change (issue 12), in the browser: the course leader reschedules a booked session and the
candidate finds the notification and the feed changed as a calendar app reads it (same UID, higher
SEQUENCE, TZID Europe/London); the session is full, so Chris waits; Jo cancels her booking and Chris,
next on the waiting list, gets the place and is told; the leader cancels the session and the feed says so."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from core.db.timeutil import UK
from tests.e2e.browser import playwright_or_skip, sign_in, signed_in_page
from tests.e2e.conftest import server_of_its_own
from tests.support.people import CHRIS, JO, LEADER

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

TITLE = "Labour market twilight"


# This journey adds, changes and cancels a session of the demo cohort.
live_server = server_of_its_own("e2e-sessions")


def _wednesday(weeks: int) -> str:
    today = datetime.now(UK).date()
    return (today + timedelta(days=(2 - today.weekday()) % 7 + 7 * weeks)).isoformat()


def _event(page, feed_url: str):
    """The session's event in the feed, parsed as a calendar app parses it."""
    calendar = Calendar.from_ical(page.request.get(feed_url).body())
    (event,) = [e for e in calendar.walk("VEVENT") if TITLE in str(e["SUMMARY"])]
    return event


def _session(page):
    return page.locator("#calendar li").filter(has_text=TITLE)


def test_a_session_rescheduled_then_a_place_freed_then_the_session_cancelled(
    page: Page, new_context, live_server
):
    first, moved = _wednesday(3), _wednesday(4)
    sign_in(page, LEADER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts", exact=True).click()
    page.locator("main").get_by_role("link").filter(has_text=re.compile("Northmoor|2026")).first.click()
    cohort_url = page.url
    page.get_by_role("link", name="Add a session").click()
    page.get_by_label("Kind").select_option(label="Twilight session")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Starts (UK time)").fill(f"{first}T16:30")
    page.get_by_label("Ends (UK time)").fill(f"{first}T18:00")
    page.get_by_label("Place").fill("Hollins Park Academy, library")
    page.get_by_label("Capacity").fill("1")
    page.get_by_role("button", name="Add session").click()
    expect(page.get_by_text("Session added to the calendar.")).to_be_visible()
    page.get_by_role("button", name="Publish the calendar").click()
    feed_url = page.get_by_role("link", name="the iCalendar feed").get_attribute("href")

    jo = signed_in_page(new_context, JO)
    jo.goto(cohort_url)
    _session(jo).get_by_role("button", name="Book a place").click()
    expect(jo.get_by_text(f"You have a place at {TITLE}")).to_be_visible()
    before = _event(jo, feed_url)

    # The course leader moves it a week on and half an hour later.
    page.goto(cohort_url)
    _session(page).get_by_role("link", name=re.compile("Change or cancel")).click()
    page.get_by_label("Starts (UK time)").fill(f"{moved}T17:00")
    page.get_by_label("Ends (UK time)").fill(f"{moved}T18:30")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Session saved: 1 person booked or waiting was told.")).to_be_visible()

    jo.goto("/notifications/")
    expect(jo.get_by_text(f"Session moved: {TITLE}")).to_be_visible()
    after = _event(jo, feed_url)
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["DTSTART"].params["TZID"] == "Europe/London"
    start = after.decoded("DTSTART")
    assert (start.date().isoformat(), start.hour, start.minute) == (moved, 17, 0)

    # Full: Chris joins the waiting list; Jo gives her place back, and it is Chris's.
    chris = signed_in_page(new_context, CHRIS)
    chris.goto(cohort_url)
    _session(chris).get_by_role("button", name="Join the waiting list").click()
    expect(chris.get_by_text("you are on its waiting list (number 1)")).to_be_visible()
    jo.goto(cohort_url)
    _session(jo).get_by_role("button", name="Cancel my booking").click()
    expect(jo.get_by_text(f"Your booking for {TITLE} is cancelled")).to_be_visible()
    chris.goto("/notifications/")
    expect(chris.get_by_text(f"A place came free: you are booked on {TITLE}")).to_be_visible()
    chris.goto(cohort_url)
    expect(_session(chris).get_by_text("You have a place")).to_be_visible()

    # The course leader cancels the session: Chris is told, and calendars mark it cancelled.
    page.goto(cohort_url)
    _session(page).get_by_role("link", name=re.compile("Change or cancel")).click()
    page.get_by_label("Why is it cancelled?").fill("The speaker is ill; a new date follows.")
    page.get_by_role("button", name="Cancel this session").click()
    expect(page.get_by_text("is cancelled: 1 person booked or waiting was told.")).to_be_visible()
    chris.goto("/notifications/")
    expect(chris.get_by_text(f"Cancelled: {TITLE}")).to_be_visible()
    cancelled = _event(chris, feed_url)
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["SEQUENCE"] > after["SEQUENCE"]
    assert str(cancelled["UID"]) == str(before["UID"])
