"""A resubmission marked against attempt 1 (issue 11, section 4), in a real browser.

Tom refers Jo's M01 (attempt 1); the IQA agrees, with reasons (referrals are always sampled), and Tom releases
it. Jo edits one item of her evidence (a new version), adds another for the empty M01.1.2, maps it, and
resubmits M01 through the review page, confirming the criteria still empty. Tom opens attempt 2 from his
queue: the page shows attempt 1's decision, the IQA's reasons and what changed in the evidence; he carries
forward the criteria met in attempt 1 with one button, sees them met and marked as carried, and completes.

On a server of its own: the journey moves Jo's one demo submission on, which other journeys expect as the demo
left it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.e2e.browser import add_written_account, playwright_or_skip, signed_in_page
from tests.e2e.conftest import server_of_its_own
from tests.support.people import JO, SAM, TOM

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()  # noqa: DTZ011 - the browser's calendar day
VACS_QUESTIONS = (
    "Valid: does the evidence show these criteria?",
    "Authentic: is it the candidate's own work?",
    "Current: is it recent enough to show competence now?",
    "Sufficient: is there enough of it?",
)
NOT_MET = "M01.1.1"  # the demo shows it by a written account only; it needs an observation or a sign-off
FEEDBACK = "Good work with parents and the team; the needs conversation must be observed."
ACTION = "Arrange an observed needs conversation and add your referral log."
IQA_REASONS = "Agreed: M01.1.1 needs the needs conversation observed, not described."
EDITED = "Negotiating careers time in tutor periods"  # a demo item of Jo's for M01.3.2, M01.4.1, M01.4.2
ADDED = "Referral log for Year 10"
CARRY = "Carry forward the criteria met in attempt 1"


# This journey refers, releases and resubmits Jo's M01.
live_server = server_of_its_own("e2e-resubmission")


def _menu(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()


def _jo_m01_row(page: Page):
    _menu(page, "Assessment queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment queue")
    rows = page.locator("tbody tr").filter(has_text="Jo Patel").filter(has_text="M01")
    return rows.filter(has_not_text="Observation to plan")


def _criteria(page: Page) -> list[str]:
    """The refs of the criteria on the marking form, from their fieldsets ("M01.1.1: judgement")."""
    groups = page.get_by_role("group", name=re.compile(r"^M01\.\d+\.\d+: judgement$"))
    expect(groups.first).to_be_visible()
    return [g.get_attribute("id").removeprefix("outcome-") for g in groups.all()]


def _judge(page: Page, ref: str, outcome: str, comment: str) -> None:
    page.get_by_role("group", name=f"{ref}: judgement").get_by_label(outcome, exact=True).check()
    page.get_by_label(f"Comment on {ref}").fill(comment)
    if outcome == "Met":
        override = page.get_by_label(f"Reason for judging {ref} met without an allowed method")
        if override.count():
            override.fill("Seen in school; the sign-off is on its way.")


def _vacs_and_decision(page: Page, feedback: str, decision: str) -> None:
    for question in VACS_QUESTIONS:
        page.get_by_role("group", name=question).get_by_label("Yes", exact=True).check()
    page.get_by_label("Overall feedback to the candidate").fill(feedback)
    page.get_by_role("group", name="Decision").get_by_label(decision, exact=True).check()


def _refer_attempt_1(tom: Page) -> list[str]:
    """Tom refers attempt 1: M01.1.1 not yet met, the rest met. Returns the criteria met."""
    row = _jo_m01_row(tom)
    expect(row).to_contain_text("Submission: M01 attempt 1")
    row.get_by_role("button", name="Start marking M01 for Jo Patel").click()
    expect(tom.get_by_role("heading", level=1)).to_have_text("M01 submission, attempt 1: Jo Patel")
    refs = _criteria(tom)
    for ref in refs:
        if ref == NOT_MET:
            _judge(tom, ref, "Not yet met", "Described, not observed.")
        else:
            _judge(tom, ref, "Met", f"{ref} shown in attempt 1.")
    _vacs_and_decision(tom, FEEDBACK, "Referred for resubmission")
    tom.get_by_label("What the candidate needs to do next").fill(ACTION)
    tom.get_by_role("button", name="Complete marking").click()
    expect(tom.get_by_text("The decision was sampled for IQA review")).to_be_visible()
    return [ref for ref in refs if ref != NOT_MET]


def _iqa_agrees(iqa: Page) -> None:
    _menu(iqa, "Quality assurance")
    row = iqa.locator("tbody tr").filter(has_text="Jo Patel")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile(r"^M01 submission: Referred")).click()
    iqa.get_by_label("Your reasons").fill(IQA_REASONS)
    iqa.get_by_role("button", name="Agree with the decision").click()
    expect(iqa.get_by_text("You agreed with the decision; it is ready for release.")).to_be_visible()


def _release(tom: Page) -> None:
    _jo_m01_row(tom)
    tom.get_by_role("link", name="Decisions ready for release").click()
    tom.get_by_role("button", name="Release the M01 decision for Jo Patel").click()
    expect(tom.get_by_text("1 decision released; the candidates are told.")).to_be_visible()


def _jo_resubmits(jo: Page) -> None:
    """Jo edits one item (version 2), adds a referral log for M01.1.2 and resubmits through the review."""
    _menu(jo, "Portfolio")
    jo.get_by_role("link", name=EDITED).click()
    expect(jo.get_by_role("heading", level=1)).to_have_text(EDITED)
    jo.get_by_text("Edit this item").click()
    body = jo.get_by_label("Your written account")
    body.fill(body.input_value() + " Since then the heads of year gave us a second tutor period.")
    jo.get_by_label("I confirm no pupil can be identified from this evidence").check()
    jo.get_by_role("button", name="Save as a new version").click()
    expect(jo.get_by_text("Saved as version 2")).to_be_visible()

    add_written_account(
        jo,
        ADDED,
        "Year 10 tutor groups, this term.",
        "Who I referred to the PA, and why each referral was made.",
        YESTERDAY,
    )
    jo.get_by_label("M01.1.2 Refers learners to the PA with a rationale").check()
    jo.get_by_role("button", name="Map to the ticked criteria").click()
    expect(jo.get_by_text("Mapped to M01.1.2.")).to_be_visible()

    _menu(jo, "Submissions")
    m01 = jo.get_by_role("region", name=re.compile(r"^M01 "))
    expect(m01).to_contain_text("Referred for resubmission")
    m01.get_by_role("link", name="Review and submit M01").click()
    expect(jo.get_by_role("heading", level=1)).to_contain_text("Review and submit M01")
    # Nothing is empty now, but M01.1.1's written account shows none of its allowed methods: she confirms it.
    expect(jo.locator("[id='review-M01.1.1']")).to_contain_text("Shows no allowed method")
    jo.get_by_label("I am submitting with 1 criterion whose evidence shows no allowed method").check()
    jo.get_by_role("button", name="Submit M01 for assessment").click()
    expect(jo.get_by_text("M01 is submitted (attempt 2)")).to_be_visible()


def test_tom_marks_attempt_2_against_attempt_1_and_carries_forward_what_was_met(new_context):
    tom = signed_in_page(new_context, TOM)
    met_before = _refer_attempt_1(tom)
    iqa = signed_in_page(new_context, SAM)
    _iqa_agrees(iqa)
    _release(tom)

    jo = signed_in_page(new_context, JO)
    _jo_resubmits(jo)

    # Tom opens attempt 2 from his queue.
    row = _jo_m01_row(tom)
    expect(row).to_contain_text("M01 attempt 2")
    row.get_by_role("button", name="Start marking M01 for Jo Patel").click()
    expect(tom.get_by_role("heading", level=1)).to_have_text("M01 submission, attempt 2: Jo Patel")

    last = tom.get_by_role("region", name="Attempt 1: the last decision")
    expect(last).to_be_visible()
    expect(last).to_contain_text("Referred for resubmission")
    expect(last).to_contain_text(FEEDBACK)
    expect(last).to_contain_text(ACTION)
    reviews = last.locator(".previous-attempt__reviews")
    expect(reviews).to_contain_text("Sam Whitfield: Agreed")
    expect(reviews).to_contain_text(IQA_REASONS)
    expect(last.get_by_role("heading", name="What changed in the evidence since attempt 1")).to_be_visible()
    changes = last.get_by_role("listitem").filter(has_text=re.compile("^(Added|New version|Taken out)"))
    expect(changes.filter(has_text="Added")).to_have_text(f"Added {ADDED} (for M01.1.2)")
    expect(changes.filter(has_text="New version")).to_have_text(
        f"New version {EDITED}: version 2, was version 1 (for M01.3.2, M01.4.1, M01.4.2)"
    )
    expect(changes.filter(has_text="Taken out")).to_have_count(0)
    # Beside each criterion, how it was judged last time and what changed for it.
    expect(tom.locator("[id='criterion-M01.1.2']")).to_contain_text(f"Added: {ADDED}")
    expect(tom.locator("[id='criterion-M01.1.1']")).to_contain_text("Attempt 1: Not yet met")

    # One explicit action carries forward the criteria met last time.
    open_here = f"{len(met_before)} criteria met in attempt 1 are not judged yet here"
    expect(tom.get_by_text(open_here)).to_be_visible()
    tom.get_by_role("button", name=CARRY).click()
    carried = f"Carried forward from attempt 1 as met: {', '.join(met_before)}."
    expect(tom.get_by_role("status").filter(has_text=carried)).to_be_visible()
    expect(tom.get_by_role("button", name=CARRY)).to_have_count(0)
    for ref in met_before:
        group = tom.get_by_role("group", name=f"{ref}: judgement")
        expect(group.get_by_label("Met", exact=True)).to_be_checked()
        expect(tom.get_by_label(f"Comment on {ref}")).to_have_value(
            re.compile(r"^Carried forward from attempt 1 \(met on \d{1,2} \w+ \d{4}\)\.$")
        )
        expect(tom.locator(f"[id='criterion-{ref}']")).to_contain_text("Carried forward")
    not_met = tom.get_by_role("group", name=f"{NOT_MET}: judgement")
    expect(not_met.get_by_label("Met", exact=True)).not_to_be_checked()
    expect(not_met.get_by_label("Not yet met", exact=True)).not_to_be_checked()

    # He judges what is left and completes marking.
    _judge(tom, NOT_MET, "Met", "Observed at last; the sign-off follows.")
    _vacs_and_decision(tom, "Every criterion is now shown.", "Achieved")
    tom.get_by_role("button", name="Complete marking").click()
    expect(tom.get_by_role("status").filter(has_text="Marking is complete.")).to_be_visible()
    expect(_jo_m01_row(tom)).to_have_count(0)
