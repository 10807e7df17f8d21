"""Nothing typed is lost (issue 11, section 5): the one autosave of static/js/app.js in a real browser.

The assessor's judgement has a draft on the server: what is typed reaches it within two seconds of the last
keystroke, so a reload a few seconds later loses nothing. A new forum thread has no draft on the server: what
is typed is kept in this browser (for this person only), offered back after a reload, kept through a refused
submit, and forgotten once the thread is posted; leaving the page while it is unsent asks first.

On a server of their own: marking starts Jo's M01, which other files' journeys expect as the demo left it.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import playwright_or_skip
from tests.e2e.conftest import serve_demo
from tests.support.people import DEMO_PASSWORD, JO, TOM

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

SAVED = re.compile(r"^Saved at \d\d:\d\d$")
KEPT = re.compile(r"^Kept in this browser at \d\d:\d\d; not sent yet\.$")
# The debounce is 1.5 s; the save must be done within 2 s of the last keystroke: 3 s leaves room for CI.
WITHIN_MS = 3_000


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory, "e2e-autosave")


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def _dialogs(page: Page) -> list[str]:
    """The types of the dialogs the page raises from now on (each accepted, as a person pressing Leave)."""
    seen: list[str] = []

    def answer(dialog) -> None:
        seen.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    return seen


def _kept_copies(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries(Object.keys(localStorage)
             .filter(k => k.startsWith('waymark:autosave:')).map(k => [k, localStorage.getItem(k)]))"""
    )


def test_the_judgement_reaches_the_server_within_seconds_and_a_reload_keeps_it(new_context):
    page = new_context().new_page()
    seen = _dialogs(page)
    _sign_in(page, TOM)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assessment queue").click()
    row = page.locator("tbody tr").filter(has_text="Jo Patel").filter(has_text="M01")
    row.get_by_role("button", name="Start marking M01 for Jo Patel").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jo Patel")

    feedback = page.get_by_label("Overall feedback to the candidate")
    typed = "Clear evidence of impartial guidance."
    feedback.press_sequentially(typed)
    # Saved in the background, without Save draft: the status says so within seconds of the last keystroke.
    expect(page.locator("form[data-autosave] [role=status]")).to_have_text(SAVED, timeout=WITHIN_MS)

    page.reload()  # saved: no "leave this page?" question
    expect(page.get_by_label("Overall feedback to the candidate")).to_have_value(typed)
    assert seen == []
    assert _kept_copies(page) == {}


def test_a_new_forum_thread_is_kept_in_the_browser_until_it_is_posted(new_context):
    page = new_context().new_page()
    seen = _dialogs(page)
    _sign_in(page, JO)
    page.goto("/forums/cohort/1")
    page.get_by_role("table", name="Forums").get_by_role("link").first.click()
    forum = page.url
    title, body = page.get_by_label("Title"), page.get_by_label("Your post")
    text = "Has anyone run an options evening with parents online? What worked for you?"
    title.press_sequentially("Options evening online")
    body.press_sequentially(text)
    expect(page.get_by_text(KEPT)).to_be_visible(timeout=WITHIN_MS)
    # Kept for Jo alone: the key names her, so another person on this computer is never offered it.
    user_id = page.locator("body").get_attribute("data-user-id")
    (key,) = _kept_copies(page)
    assert key.startswith(f"waymark:autosave:{user_id}:/forums/cohort/1/")

    # Leaving with an unsent post asks first; back on the page, the text is offered back.
    page.reload()
    assert seen == ["beforeunload"]
    expect(title).to_have_value("")
    expect(page.get_by_text(re.compile(r"^We kept what you typed here today at \d\d:\d\d\. It was not sent\.$"))).to_be_visible()
    page.get_by_role("button", name="Restore what you typed").click()
    expect(title).to_have_value("Options evening online")
    expect(body).to_have_value(text)
    expect(page.get_by_role("button", name="Restore what you typed")).to_have_count(0)

    # Refused (no title): the server answers with the form again, and the copy is still kept.
    title.fill("")
    page.get_by_role("button", name="Start thread").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the thread a title.")
    expect(page.get_by_label("Your post")).to_have_value(text)
    assert len(_kept_copies(page)) == 1
    assert seen == ["beforeunload"]  # sending the form is not leaving it

    # Posted: the thread opens, and the browser forgets the copy.
    page.get_by_label("Title").fill("Options evening online")
    page.get_by_role("button", name="Start thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Options evening online")
    assert _kept_copies(page) == {}
    page.goto(forum)
    expect(page.get_by_label("Title")).to_have_value("")
    expect(page.get_by_role("button", name="Restore what you typed")).to_have_count(0)
    assert seen == ["beforeunload"]
