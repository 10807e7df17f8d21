"""Submitting is a deliberate step (issue 11, section 3), in the browser: Jo ticks two criteria of M02 for one
account (nothing is ticked for her), reads the review, is stopped when she presses Submit without confirming
the empty criteria, then confirms them and submits."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from tests.e2e.browser import add_written_account, playwright_or_skip, sign_in
from tests.e2e.conftest import server_of_its_own
from tests.support.people import JO

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()  # noqa: DTZ011 - the browser's calendar day


# This journey submits Jo's M02, which other journeys expect unsubmitted.
live_server = server_of_its_own("e2e-deliberate-submit")


def test_jo_maps_to_two_criteria_and_confirms_the_empty_ones_before_submitting(page: Page, live_server):
    title = f"Job description annotated {uuid.uuid4().hex[:6]}"
    sign_in(page, JO)
    add_written_account(
        page,
        title,
        "My school, this term.",
        "My job description, annotated against the task lists.",
        YESTERDAY,
    )

    boxes = page.locator('#map input[type="checkbox"][name="criterion"]')
    expect(boxes.first).not_to_be_checked()
    expect(page.locator('#map input[type="checkbox"][name="criterion"]:checked')).to_have_count(0)
    page.get_by_label("M02.1.1 Annotates own job description against the coordinator task lists").check()
    page.get_by_label("M02.1.2 Summarises the duties that apply to own school").check()
    page.get_by_role("button", name="Map to the ticked criteria").click()
    expect(page.get_by_text("Mapped to M02.1.1 and M02.1.2.")).to_be_visible()

    page.goto("/portfolio/submissions/new/CCQ/M02")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review and submit M02")
    expect(page.get_by_text("6 of 8 criteria are empty")).to_be_visible()
    page.get_by_role("button", name="Submit M02 for assessment").click()
    expect(page.get_by_role("alert")).to_contain_text("I am submitting with 6 of 8 criteria empty")

    page.get_by_label("I am submitting with 6 of 8 criteria empty").check()
    page.get_by_role("button", name="Submit M02 for assessment").click()
    expect(page.get_by_text("M02 is submitted (attempt 1)")).to_be_visible()
