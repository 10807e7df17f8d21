"""An extension asked and granted, in a real browser: the course leader sets M02's deadline (Jo's M01 is
submitted already in the demo); Jo sees it on her home page and asks for more time with a reason; the course
leader grants a new date; Jo's home page and her notifications show the extended deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.db.timeutil import UK
from qualification.deadlines.rules import long_date
from tests.e2e.browser import open_cohort_link, playwright_or_skip, set_deadline, signed_in_page
from tests.e2e.conftest import server_of_its_own
from tests.support.people import JO, LEADER

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

REASON = "Our Ofsted inspection fell in the same fortnight and I led the careers part of it."


# This journey leaves a deadline on Jo's home page, which the shared demo has none of.
live_server = server_of_its_own("e2e-extension")


def _deadlines_panel(page: Page):
    return page.get_by_role("region", name="Deadlines")


def test_an_extension_asked_and_granted(new_context):
    today = datetime.now(UK).date()
    due, proposed, granted = (
        today + timedelta(days=20),
        today + timedelta(days=34),
        today + timedelta(days=30),
    )

    leader = signed_in_page(new_context, LEADER)
    open_cohort_link(leader, "Deadlines and extension requests")
    expect(leader.get_by_role("heading", level=1)).to_have_text("Deadlines and extensions")
    set_deadline(leader, "M02 Planning and Organising CEIAG Provision", due)
    expect(leader.get_by_text(f"The M02 deadline is {long_date(due)}.")).to_be_visible()

    jo = signed_in_page(new_context, JO)
    expect(_deadlines_panel(jo)).to_contain_text(f"due {long_date(due)} (in 20 days)")
    _deadlines_panel(jo).get_by_role("link", name="Your deadlines").click()
    jo.get_by_role("link", name="Ask for more time on M02").click()
    expect(jo.get_by_role("heading", level=1)).to_contain_text("Ask for more time on M02")
    jo.get_by_label("The date you propose").fill(proposed.isoformat())
    jo.get_by_label("Why you need more time").fill(REASON)
    jo.get_by_role("button", name="Send my request").click()
    expect(jo.get_by_text("Your request for more time on M02 is sent.")).to_be_visible()
    expect(jo.get_by_role("cell", name="You asked: waiting for a decision")).to_be_visible()

    leader.reload()
    expect(leader.get_by_role("heading", name="Requests for more time (1 waiting)")).to_be_visible()
    leader.get_by_role("link", name="Decide Jo Patel's request for M02").click()
    expect(leader.get_by_text(REASON)).to_be_visible()
    expect(leader.get_by_label("New deadline")).to_have_value(proposed.isoformat())
    leader.get_by_label("New deadline").fill(granted.isoformat())
    leader.get_by_role("button", name="Grant the extension").click()
    expect(
        leader.get_by_text(f"Extension granted: Jo Patel's M02 deadline is now {long_date(granted)}.")
    ).to_be_visible()

    jo.goto("/")
    expect(_deadlines_panel(jo)).to_contain_text(
        f"due {long_date(granted)} (in 30 days), extended from {long_date(due)}"
    )
    jo.goto("/notifications/")
    expect(jo.get_by_text(f"Extension granted: M02 is now due {long_date(granted)}")).to_be_visible()
