"""No work reaches nobody (issue 11, section 2), in the browser: the course leader invites a candidate into
the demo cohort after it was set up; the invitation says who their assessor is (even spread: Helen Marsh has
fewer candidates than Tom); the candidate joins from the emailed link, maps an account, reviews and submits
M01, and is told it is with Helen; Helen finds it in her queue."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest

from tests.e2e.browser import add_written_account, playwright_or_skip, sign_in, signed_in_page
from tests.e2e.conftest import delivered_mail, mail_to, server_of_its_own
from tests.support.people import HELEN, LEADER

ADMIN = "admin@northmoor.example"

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()  # noqa: DTZ011 - the browser's calendar day
PASSWORD = "amber lantern meadow 42"


# This journey adds a candidate to the demo cohort.
live_server = server_of_its_own("e2e-joining")


def test_a_candidate_invited_after_setup_joins_submits_and_the_work_reaches_their_assessor(
    page: Page, new_context, live_server
):
    email = f"robin-{uuid.uuid4().hex[:8]}@school.example"
    sign_in(page, LEADER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts", exact=True).click()
    page.locator("main").get_by_role("link").filter(has_text=re.compile("Northmoor|2026")).first.click()
    invite = page.locator("form").filter(has=page.get_by_role("button", name="Invite", exact=True))
    invite.get_by_label("Name", exact=True).fill("Robin Newcomer")
    invite.get_by_label("Email address").fill(email)
    invite.get_by_label("School").fill("Hollins Park Academy")
    invite.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_text("Their assessor is Helen Marsh.")).to_be_visible()

    # The demo sends no real email: its sender writes it to the log, where Robin's invitation link is (the
    # administrator's Outbox shows the message without it).
    admin = signed_in_page(new_context, ADMIN)
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Outbox", exact=True).click()
    queued = admin.locator("article").filter(has_text=f"To {email}").locator("pre").inner_text()
    assert "/invitations/" not in queued
    body = delivered_mail(live_server)
    link = re.search(r"(https?://\S+/invitations/\S+)", mail_to(body, email))
    assert link, body

    robin = new_context().new_page()
    robin.goto(link.group(1))
    robin.get_by_label("Your name").fill("Robin Newcomer")
    robin.get_by_label("New password", exact=True).fill(PASSWORD)
    robin.get_by_label("Type the new password again").fill(PASSWORD)
    robin.get_by_role("button", name="Create my account").click()
    expect(robin.get_by_role("heading", level=1)).to_have_text("Hello, Robin Newcomer")

    add_written_account(
        robin,
        "A referral, with my rationale",
        "My school, this term.",
        "How I referred a pupil to the guidance specialist, and why.",
        YESTERDAY,
    )
    robin.get_by_label(re.compile(r"^M01\.1\.2 ")).check()
    robin.get_by_role("button", name="Map to the ticked criteria").click()
    expect(robin.get_by_text("Mapped to M01.1.2.")).to_be_visible()

    robin.goto("/portfolio/submissions/new/CCQ/M01")
    expect(robin.get_by_role("heading", level=1)).to_contain_text("Review and submit M01")
    expect(robin.locator("main")).to_contain_text("to Helen Marsh, your assessor")
    robin.get_by_label(re.compile(r"^I am submitting with 8 of 9 criteria empty")).check()
    robin.get_by_role("button", name="Submit M01 for assessment").click()
    expect(
        robin.get_by_text(re.compile(r"M01 is submitted \(attempt 1\) and is with Helen Marsh"))
    ).to_be_visible()

    helen = signed_in_page(new_context, HELEN)
    helen.get_by_role("navigation", name="Main").get_by_role("link", name="Assessment queue").click()
    row = (
        helen.locator("tbody tr")
        .filter(has_text="Robin Newcomer")
        .filter(has_text="Submission: M01 attempt 1")
    )
    expect(row).to_have_count(1)
