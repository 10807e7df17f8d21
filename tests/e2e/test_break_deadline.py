"""A break in learning moves a deadline, in a real browser: the course leader sets the cohort's M01 deadline,
records that Jo's break began ten days ago, then her return today; Jo's home page shows her M01 deadline
moved on by the days she was away (a day more each day while she is away).

On a server of its own: the journey leaves a break and a deadline in Jo's record, which other files do not
expect.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest

from core.db.timeutil import UK
from qualification.deadlines.rules import long_date
from tests.e2e.browser import open_cohort_link, playwright_or_skip, set_deadline, signed_in_page, start_break
from tests.e2e.conftest import serve_demo
from tests.support.people import JO, LEADER

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

NAME = "e2e-break-deadline"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    for url in serve_demo(tmp_path_factory, NAME):
        # The demo's candidates joined when it was loaded, today; a break can only begin once they had
        # joined, so they joined at the start of term here (as the unit tests' `joined_days_ago`).
        (database,) = tmp_path_factory.getbasetemp().glob(f"{NAME}[0-9]*/e2e.db")
        with sqlite3.connect(database) as connection:
            connection.execute("UPDATE cohort_members SET added_at = datetime('now', '-90 days')")
        yield url


def _deadlines_panel(page: Page):
    return page.get_by_role("region", name="Deadlines")


def _m01(page: Page):
    page.goto("/")
    return _deadlines_panel(page).get_by_role("listitem").filter(has_text="M01")


def test_a_break_moves_the_candidates_deadline(new_context):
    today = datetime.now(UK).date()
    due, began = today + timedelta(days=20), today - timedelta(days=10)

    leader = signed_in_page(new_context, LEADER)
    open_cohort_link(leader, "Deadlines and extension requests")
    set_deadline(leader, "M01 Communicating and Working with Others in CEIAG", due)
    expect(leader.get_by_text(f"The M01 deadline is {long_date(due)}.")).to_be_visible()

    jo = signed_in_page(new_context, JO)
    expect(_m01(jo)).to_contain_text(f"due {long_date(due)}")
    expect(_m01(jo)).not_to_contain_text("break in learning")

    open_cohort_link(leader, "Break, withdraw or move Jo Patel")
    start_break(leader, began, today + timedelta(days=28), "Bereavement leave")
    expect(leader.get_by_text(f"Jo Patel is on a break in learning from {began:%-d %B %Y}.")).to_be_visible()

    # While she is away her deadline moves on a day each day: ten days so far, and today.
    expect(_m01(jo)).to_contain_text(f"due {long_date(due + timedelta(days=11))}")

    back = leader.get_by_role("region", name="Record their return")
    back.get_by_label("Came back on").fill(today.isoformat())
    back.get_by_role("button", name="Record the return").click()
    expect(leader.get_by_text(f"Jo Patel is back from {today:%-d %B %Y}")).to_be_visible()

    moved = _m01(jo)
    expect(moved).to_contain_text(f"due {long_date(due + timedelta(days=10))}")
    expect(moved).to_contain_text(f"moved on by your break in learning from {long_date(due)}")
