"""A break in learning in a real browser: the course leader suspends Jo from the cohort page; Tom's queue
shows her waiting M01 as paused and Jo's home page tells her she is on a break; the leader records her
return, and the clock runs again.

On a server of its own: the journey leaves a break in Jo's record, which other files' queues do not expect.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import open_cohort_link, playwright_or_skip, signed_in_page, start_break
from tests.e2e.conftest import server_of_its_own
from tests.support.people import JO, LEADER, TOM

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

ON_A_BREAK = "You are on a break in learning from"


live_server = server_of_its_own("e2e-membership")


def _jo_m01_in_the_queue(page: Page):
    page.goto("/assessors/queue")
    rows = page.locator("tbody tr").filter(has_text="Jo Patel").filter(has_text="M01")
    return rows.filter(has_not_text="Observation to plan")


def _jos_membership_page(page: Page) -> None:
    open_cohort_link(page, "Break, withdraw or move Jo Patel")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jo Patel")


def test_course_leader_suspends_a_candidate_and_records_her_return(new_context):
    today = datetime.now(ZoneInfo("Europe/London")).date()
    leader, tom, jo = (signed_in_page(new_context, email) for email in (LEADER, TOM, JO))
    expect(_jo_m01_in_the_queue(tom)).to_have_count(1)
    expect(_jo_m01_in_the_queue(tom)).not_to_contain_text("Paused")

    _jos_membership_page(leader)
    start_break(leader, today, today + timedelta(days=28), "Maternity leave")
    expect(leader.get_by_text(f"Jo Patel is on a break in learning from {today:%-d %B %Y}.")).to_be_visible()

    expect(_jo_m01_in_the_queue(tom)).to_contain_text("Paused")
    expect(_jo_m01_in_the_queue(tom)).not_to_contain_text("Overdue")
    jo.goto("/")
    expect(jo.get_by_text(ON_A_BREAK)).to_be_visible()
    expect(jo.get_by_text("Your deadlines are paused")).to_be_visible()

    back = leader.get_by_role("region", name="Record their return")
    back.get_by_label("Came back on").fill(today.isoformat())
    back.get_by_role("button", name="Record the return").click()
    expect(leader.get_by_text(f"Jo Patel is back from {today:%-d %B %Y}")).to_be_visible()
    expect(leader.locator("#breaks")).to_contain_text("Maternity leave")

    expect(_jo_m01_in_the_queue(tom)).not_to_contain_text("Paused")
    expect(_jo_m01_in_the_queue(tom)).to_contain_text("of 15")
    jo.goto("/")
    expect(jo.get_by_text(ON_A_BREAK)).to_have_count(0)
