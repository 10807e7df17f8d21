"""The evening journey: a candidate studies for half an hour, writes half a reflection and closes the laptop
without pressing Save; the next evening, on a fresh browser, she carries on exactly there. And two tabs on
the same answer: the older one never overwrites the newer, and its text is kept as a recovery copy."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import playwright_or_skip
from tests.e2e.test_journeys import sign_in
from tests.support.people import JO

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

CONFLICT = "This answer was changed in another tab or device. Press Save draft to keep both versions safe."
# Debounce (1.5 s) plus the request, with room for a slow CI machine.
AUTOSAVE_TIMEOUT = 10_000


def _signed_in_home(page: Page, live_server: str) -> None:
    sign_in(page, JO)
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Jo Patel")


def _tonight(page: Page):
    """The "Tonight:" link on the home page."""
    return page.locator("p.lead", has_text="Tonight:").get_by_role("link")


def _open_reflection(page: Page, module_code: str, nth: int) -> str:
    """From the home page, through the module page, open the nth reflective task; return its URL."""
    page.goto("/")
    page.get_by_role("link", name=re.compile(rf"^{module_code} ")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(module_code)
    task = page.locator(".activity-list li").filter(has_text="Reflective task").nth(nth)
    title = task.get_by_role("link").inner_text()
    task.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.url


def _answer(page: Page):
    return page.get_by_role("textbox", name="Your answer")


def _status(page: Page):
    return page.locator(".autosave-status")


def test_the_evening_journey_survives_a_closed_laptop(new_context, live_server):
    evening = new_context()
    page = evening.new_page()
    _signed_in_home(page, live_server)

    # Tonight's first activity: read it, then mark it as done.
    tonight = _tonight(page)
    expect(tonight).to_be_visible()
    first_title = tonight.inner_text()
    tonight.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first_title)
    page.mouse.wheel(0, 2000)  # reading down the page
    page.get_by_role("button", name="Mark as done and continue").click()
    expect(page.get_by_text(f"Done: {first_title}.")).to_be_visible()

    # The first reflective task in M02 (the demo's M01 is submitted, and "Tonight" never leads into a
    # submitted module): half an answer, autosaved, never submitted.
    url = _open_reflection(page, "M02", 0)
    half = (
        "When a pupil in Year 10 found it hard to open up, I started with what she enjoyed rather than "
        "with options. I kept my own views on routes out of it, which was harder than I expected."
    )
    _answer(page).press_sequentially(half)
    expect(_status(page)).to_have_text(re.compile(r"^Saved at \d\d:\d\d$"), timeout=AUTOSAVE_TIMEOUT)
    expect(page.get_by_text("Draft saved.")).to_have_count(0)  # the form itself was never submitted

    evening.close()  # the laptop is closed: no Save draft pressed

    # The next evening, another browser: "Tonight" leads back to the half-written answer.
    page = new_context().new_page()
    _signed_in_home(page, live_server)
    _tonight(page).click()
    expect(page).to_have_url(re.compile(re.escape(url) + r"(#.*)?$"))
    expect(_answer(page)).to_have_value(half)


def test_an_older_tab_never_overwrites_a_newer_answer(new_context, live_server):
    context = new_context()
    tab_a = context.new_page()
    _signed_in_home(tab_a, live_server)
    # Another reflective task than the journey's, so each test starts from an empty answer.
    url = _open_reflection(tab_a, "M01", 1)
    tab_b = context.new_page()
    tab_b.goto(url)  # opened before A saves: B holds the older revision
    expect(_answer(tab_b)).to_have_value("")
    expect(_answer(tab_a)).to_have_value("")

    text_a = "Tab A: the calendar starts from the options deadline in February."
    _answer(tab_a).press_sequentially(text_a)
    expect(_status(tab_a)).to_have_text(re.compile(r"^Saved at \d\d:\d\d$"), timeout=AUTOSAVE_TIMEOUT)

    text_b = "Tab B: work experience week comes first."
    _answer(tab_b).press_sequentially(text_b)
    expect(_status(tab_b)).to_have_text(CONFLICT, timeout=AUTOSAVE_TIMEOUT)
    expect(_answer(tab_b)).to_have_value(text_b)  # nothing B typed is taken away

    # The plain submit keeps B's text as a recovery copy beside A's newer answer.
    tab_b.get_by_role("button", name="Save draft").click()
    # (The 409 itself may already have stored one copy of the same text, so look for it, not count.)
    expect(tab_b.locator(".recovery pre").filter(has_text=text_b).first).to_be_visible()
    expect(_answer(tab_b)).to_have_value(text_a)

    # A is unaffected: a reload shows its answer and no stray copy offered from this browser.
    tab_a.reload()
    expect(_answer(tab_a)).to_have_value(text_a)
    expect(tab_a.get_by_role("button", name="Restore what you typed")).to_have_count(0)
