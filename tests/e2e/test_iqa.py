"""The IQA's journey in a real browser: a sampled decision is returned to the assessor with reasons, who finds
it in the queue as an IQA return and completes it again; the IQA agrees; the assessor releases it; Jo reads
her feedback, sees the criteria met in her gap view and M01 with its credits on her transcript.

On a server of its own (see tests/e2e/test_assessment.py): releasing Jo's M01 changes her gap view, which
other files' journeys read as the demo left it.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import playwright_or_skip, signed_in_page
from tests.e2e.conftest import server_of_its_own
from tests.e2e.test_assessment import (
    complete_marking,
    jo_in_the_queue,
    judge_everything,
    open_jo_m01,
)
from tests.support.people import JO, SAM, TOM

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

REASONS = "M01.1.2 has no evidence in the submission, so it cannot be judged met on the file as it stands."
FEEDBACK = "Well-evidenced work throughout, Jo."


# As the assessment journeys': these judge and release Jo's M01, which the shared server expects unassessed.
live_server = server_of_its_own("e2e-assessment")


def _menu(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()


def _open_sampled_decision(page: Page) -> None:
    """The IQA, from the menu, opens Jo's M01 decision waiting for review."""
    _menu(page, "Quality assurance")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quality assurance")
    row = page.locator("tbody tr").filter(has_text="Jo Patel")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Tom Okafor")
    expect(row).to_contain_text("one of the assessor's first 5 decisions")
    row.get_by_role("link", name="M01 submission: Achieved").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("M01 submission: Jo Patel")
    expect(page.get_by_text("In IQA review", exact=True)).to_be_visible()


def test_iqa_returns_then_agrees_and_the_released_feedback_reaches_jo(new_context):
    tom = signed_in_page(new_context, TOM)
    open_jo_m01(tom)
    refs = judge_everything(tom, "the evidence shows it.")
    complete_marking(tom)

    # The IQA returns it with reasons; returning without them is refused and changes nothing.
    iqa = signed_in_page(new_context, SAM)
    _open_sampled_decision(iqa)
    # The IQA sees what Tom overrode, and why: M01.1.1 had no observation or sign-off behind it.
    overridden = iqa.locator("#criterion-M01\\.1\\.1")
    expect(overridden).to_contain_text("Allowed methods: Workplace observation or Competence sign-off")
    expect(overridden).to_contain_text("Assessor's reason: Seen at the careers fair; the evidence shows it.")
    iqa.get_by_role("button", name="Return to the assessor").click()
    expect(iqa.get_by_role("alert")).to_contain_text("Say why the decision goes back to the assessor.")
    expect(iqa.get_by_text("In IQA review", exact=True)).to_be_visible()
    iqa.get_by_label("Your reasons").fill(REASONS)
    iqa.get_by_role("button", name="Return to the assessor").click()
    expect(iqa.get_by_text("The decision is returned to the assessor with your reasons.")).to_be_visible()
    expect(iqa.get_by_text("No sampled decisions are waiting for review.")).to_be_visible()

    # Tom finds it in his queue as an IQA return, reads the reasons, and completes it again.
    row = jo_in_the_queue(tom)
    expect(row).to_contain_text("IQA return: M01 attempt 1")
    row.get_by_role("link", name="Continue marking M01 for Jo Patel").click()
    expect(tom.get_by_text("Returned by the IQA")).to_be_visible()
    expect(tom.locator("#reviews-title").locator("..")).to_contain_text(REASONS)
    tom.get_by_label(f"Comment on {refs[1]}").fill(
        f"{refs[1]}: met through the referral seen at observation."
    )
    complete_marking(tom)

    # The IQA agrees this time.
    _open_sampled_decision(iqa)
    expect(iqa.get_by_text("Sam Whitfield returned it to the assessor")).to_be_visible()
    iqa.get_by_role("button", name="Agree with the decision").click()
    expect(iqa.get_by_text("You agreed with the decision; it is ready for release.")).to_be_visible()

    # Jo is told nothing before release.
    jo = signed_in_page(new_context, JO)
    _menu(jo, "Notifications")
    expect(jo.get_by_text("Feedback on your M01 submission")).to_have_count(0)

    # Tom releases it from "Ready for release".
    jo_in_the_queue(tom)
    tom.get_by_role("link", name="Decisions ready for release").click()
    expect(tom.get_by_role("heading", level=1)).to_have_text("Ready for release")
    tom.get_by_role("button", name="Release the M01 decision for Jo Patel").click()
    expect(tom.get_by_text("1 decision released; the candidates are told.")).to_be_visible()
    expect(tom.get_by_text("No decisions are waiting to be released.")).to_be_visible()

    # Jo: the notification leads to her feedback, criterion by criterion, without the IQA's or VACS detail.
    jo.reload()
    jo.get_by_role("link", name="Feedback on your M01 submission: Achieved").click()
    expect(jo.get_by_role("heading", level=1)).to_have_text("Feedback on your M01 submission")
    expect(jo.get_by_role("heading", name="Decision: Achieved")).to_be_visible()
    expect(jo.get_by_text(FEEDBACK)).to_be_visible()
    criteria = jo.locator("#criteria-title").locator("..")
    for ref in refs:
        expect(criteria.locator("div", has=jo.locator("dt", has_text=ref)).locator("dd")).to_contain_text(
            re.compile(r"^Met: ")
        )
    expect(criteria).to_contain_text("met through the referral seen at observation")
    expect(jo.get_by_text(REASONS)).to_have_count(0)
    expect(jo.get_by_role("heading", name="VACS")).to_have_count(0)

    # Her gap view shows every criterion met.
    _menu(jo, "Portfolio")
    jo.get_by_role("link", name="M01 Communicating and Working with Others in CEIAG").click()
    expect(jo.get_by_role("heading", level=1)).to_contain_text("M01")
    expect(jo.locator(".lead")).to_contain_text(f"{len(refs)} met.")
    for ref in refs:
        card = jo.locator(f"[id='criterion-{ref}']")
        expect(card.locator(".badge").first).to_have_text("met")

    # Her transcript lists M01 with its 15 credits.
    _menu(jo, "Transcript")
    line = jo.get_by_role("row").filter(has=jo.get_by_role("cell", name="M01", exact=True))
    expect(line).to_have_count(1)
    expect(line).to_contain_text("Communicating and Working with Others in CEIAG")
    expect(line.get_by_role("cell", name="15", exact=True)).to_be_visible()
