"""Nothing typed is lost (issue 11, section 5): the one autosave of static/js/app.js in a real browser, on a
form with no draft on the server. What is typed into a new forum thread is kept in this browser (for this
person only), offered back after a reload, kept through a refused submit, and forgotten once the thread is
posted; leaving the page while it is unsent asks first. (Forms with a server draft: the judgement in
test_assessment.py, the reflection in test_evening.py.)
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import playwright_or_skip, sign_in
from tests.support.people import JO

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

KEPT = re.compile(r"^Kept in this browser at \d\d:\d\d; not sent yet\.$")
# The debounce is 1.5 s; the save must be done within 2 s of the last keystroke: 3 s leaves room for CI.
WITHIN_MS = 3_000


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


def test_a_new_forum_thread_is_kept_in_the_browser_until_it_is_posted(new_context):
    page = new_context().new_page()
    seen = _dialogs(page)
    sign_in(page, JO)
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
    expect(
        page.get_by_text(re.compile(r"^We kept what you typed here today at \d\d:\d\d\. It was not sent\.$"))
    ).to_be_visible()
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
    # The page's script forgets the copy once it runs, which may be just after the heading shows.
    page.wait_for_load_state("load")
    assert _kept_copies(page) == {}
    page.goto(forum)
    expect(page.get_by_label("Title")).to_have_value("")
    expect(page.get_by_role("button", name="Restore what you typed")).to_have_count(0)
    assert seen == ["beforeunload"]

    # A shared computer: signing out with a reply half-typed asks first, then leaves nothing of Jo's behind.
    page.go_back()
    page.get_by_label("Your reply").press_sequentially("Half a reply")
    expect(page.get_by_text(KEPT)).to_be_visible(timeout=WITHIN_MS)
    assert len(_kept_copies(page)) == 1
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert seen == ["beforeunload", "confirm"]
    assert _kept_copies(page) == {}
