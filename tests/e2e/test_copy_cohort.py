"""Copying a cohort for next year (issue 12), in the browser: the course leader enters the Christmas closure
on the demo cohort's settings page, copies the cohort, and finds next year's cohort with the same staff, no
candidates, every session 52 weeks on (the same weekday and time) and the closure a year on."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from core.db.timeutil import UK
from core.web.formatting import format_datetime
from qualification.demo import DEMO_COHORT, DEMO_SESSIONS
from tests.e2e.browser import playwright_or_skip, sign_in
from tests.e2e.conftest import server_of_its_own
from tests.support.people import LEADER

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e


# This journey adds a cohort and a closure to the demo.
live_server = server_of_its_own("e2e-copy-cohort")


def _a_year_on(day: str, time: str) -> str:
    moment = datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=UK) + timedelta(weeks=52)
    return format_datetime(moment)


def test_course_leader_copies_a_cohort_for_next_year(page: Page):
    sign_in(page, LEADER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts", exact=True).click()
    page.locator("main").get_by_role("link", name=DEMO_COHORT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_COHORT)

    page.get_by_role("link", name="Settings", exact=True).click()
    page.get_by_label("First day closed").fill("2026-12-24")
    page.get_by_label("Last day closed").fill("2027-01-02")
    page.get_by_label("Description (optional)").fill("Christmas closure")
    page.get_by_role("button", name="Add the closure").click()
    expect(page.get_by_text("Closed 24 December 2026 to 2 January 2027")).to_be_visible()

    page.get_by_role("link", name="Copy this cohort for next year").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Copy {DEMO_COHORT} for next year")
    expect(page.get_by_text("It starts on Friday 17 September 2027.")).to_be_visible()
    name = page.get_by_label("Name of the new cohort")
    expect(name).to_have_value("Certificate 2027-28, Northmoor")
    page.get_by_role("button", name="Copy the cohort").click()

    expect(
        page.get_by_text("Certificate 2027-28, Northmoor is ready: it starts on Friday 17 September 2027")
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificate 2027-28, Northmoor")
    expect(page.get_by_role("heading", name="Candidates (0)")).to_be_visible()
    staff = page.locator("#staff")
    for person in ("Tom Okafor, assessor", "Helen Marsh, assessor", "Sam Whitfield, iqa"):
        expect(staff.get_by_text(person)).to_be_visible()
    expect(page.get_by_text("24 December 2027 to 2 January 2028 (Christmas closure)")).to_be_visible()
    sessions = page.locator("#calendar .session-list > li")
    expect(sessions).to_have_count(len(DEMO_SESSIONS))
    for _kind, title, day, start, _end, _place, _modules in DEMO_SESSIONS:
        row = sessions.filter(has_text=title)
        expect(row.locator("time")).to_have_text(_a_year_on(day, start))
    # The copy has no published calendar yet, and the original keeps its candidates.
    expect(page.get_by_role("button", name="Publish the calendar")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts", exact=True).click()
    page.locator("main").get_by_role("link", name=DEMO_COHORT).click()
    expect(page.get_by_role("heading", name=re.compile(r"Candidates \([1-9]"))).to_be_visible()
