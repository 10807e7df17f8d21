"""A break in learning in a real browser: the course leader suspends Jo from the cohort page; Tom's queue
shows her waiting M01 as paused and Jo's home page tells her she is on a break; the leader records her
return, and the clock runs again.

On a server of its own: the journey leaves a break in Jo's record, which other files' queues do not expect.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import open_cohort_link, playwright_or_skip, sign_in
from tests.e2e.conftest import serve_demo
from tests.support.people import JO, LEADER, TOM

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

ON_A_BREAK = "You are on a break in learning from"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory, "e2e-membership")


def _jo_m01_in_the_queue(page: Page):
    page.goto("/assessors/queue")
    rows = page.locator("tbody tr").filter(has_text="Jo Patel").filter(has_text="M01")
    return rows.filter(has_not_text="Observation to plan")


def _jos_membership_page(page: Page) -> None:
    open_cohort_link(page, "Break, withdraw or move Jo Patel")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jo Patel")


def test_course_leader_suspends_a_candidate_and_records_her_return(new_context):
    today = datetime.now(ZoneInfo("Europe/London")).date()
    leader, tom, jo = (new_context().new_page() for _ in range(3))
    sign_in(leader, LEADER)
    sign_in(tom, TOM)
    sign_in(jo, JO)
    expect(_jo_m01_in_the_queue(tom)).to_have_count(1)
    expect(_jo_m01_in_the_queue(tom)).not_to_contain_text("Paused")

    _jos_membership_page(leader)
    form = leader.get_by_role("region", name="Record a break in learning")
    form.get_by_label("First day of the break").fill(today.isoformat())
    form.get_by_label("Expected back on").fill((today + timedelta(days=28)).isoformat())
    form.get_by_label("Reason").fill("Maternity leave")
    form.get_by_role("button", name="Start the break").click()
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
