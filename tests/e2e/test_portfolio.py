"""The evening upload-and-map journey: after school, Jo adds a piece of work from her day job to her
portfolio, confirms no pupil can be identified, maps it to criteria in two modules, and sees it in the gap
view of M01."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import date, timedelta

import pytest

from tests.e2e.browser import playwright_or_skip
from tests.e2e.test_journeys import sign_in
from tests.support.people import JO

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()  # noqa: DTZ011 - the browser's calendar day
ANONYMISED = "I confirm no pupil can be identified from this evidence"
FILES_READY = importlib.util.find_spec("portfolio.files") is not None
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _fill_common(page: Page, title: str) -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("Date of the activity").fill(YESTERDAY)
    page.get_by_label("Context").fill("Year 11 options evening, with the PA from the local careers service.")
    page.get_by_label("4 Raises aspirations").check()
    page.get_by_label("8 Personal guidance").check()
    page.get_by_label(ANONYMISED).check()


def _map(page: Page, criterion: str, note: str) -> None:
    page.locator(f'input[name="criterion"][value="CCQ/{criterion}"]').check()
    page.get_by_label("How this item shows them (optional)").fill(note)
    page.get_by_role("button", name="Map to the ticked criteria").click()
    expect(page.get_by_text(f"Mapped to {criterion}.")).to_be_visible()


def _map_twice_and_see_the_gap(page: Page, title: str) -> None:
    _map(page, "M01.1.2", "The referral and my rationale are on page 2.")
    _map(page, "M02.1.1", "The annotated job description is attached at the end.")

    page.get_by_role("link", name="Your portfolio").first.click()
    item = page.locator(".card", has_text=title)
    expect(item).to_contain_text("M01.1.2")
    expect(item).to_contain_text("M02.1.1")
    expect(item).not_to_contain_text("Not yet confirmed anonymised")

    page.get_by_role("link", name="M01 Communicating and Working with Others in CEIAG").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("M01")
    card = page.locator("#criterion-M01\\.1\\.2")
    expect(card).to_contain_text(title)
    expect(card).to_contain_text("evidence mapped")
    expect(card).to_contain_text("The referral and my rationale are on page 2.")
    expect(page.locator("#criterion-M01\\.1\\.1")).to_contain_text("observation still to be planned")


def test_the_evening_upload_and_map_journey(page: Page, live_server):
    title = f"Referral write-up {uuid.uuid4().hex[:6]}"
    sign_in(page, JO)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Jo Patel")

    page.goto("/portfolio/")
    page.get_by_role("link", name="Add evidence").click()
    page.get_by_role("link", name="Written account").click()
    _fill_common(page, title)
    page.get_by_label("Your written account").fill(
        "I referred a pupil whose plans had changed to the PA, because **she needed specialist help**."
    )
    page.get_by_role("button", name="Add to portfolio").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("strong", has_text="she needed specialist help")).to_have_count(1)
    expect(page.get_by_text("Confirmed anonymised")).to_be_visible()
    _map_twice_and_see_the_gap(page, title)


@pytest.mark.skipif(not FILES_READY, reason="portfolio.files (the file store) is not in this tree yet")
def test_a_small_pdf_uploaded_in_the_evening_is_mapped(page: Page, live_server, tmp_path):
    title = f"Options evening slides {uuid.uuid4().hex[:6]}"
    slides = tmp_path / "options-evening.pdf"
    slides.write_bytes(PDF)
    sign_in(page, JO)
    page.goto("/portfolio/new")
    page.get_by_role("link", name="File").click()
    _fill_common(page, title)
    page.get_by_label("File").set_input_files(str(slides))
    page.get_by_role("button", name="Add to portfolio").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("options-evening.pdf")).to_be_visible()
    _map_twice_and_see_the_gap(page, title)
