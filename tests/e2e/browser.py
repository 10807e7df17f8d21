"""Playwright for the browser tests, or a skipped module without it (a failed one when CI asks for the browser
tests with WAYMARK_REQUIRE_BROWSER=1)."""

from __future__ import annotations

import os

import pytest


def playwright_or_skip():
    """Playwright's `Page` and `expect`; call at module level, before anything that needs them."""
    try:
        from playwright.sync_api import Page, expect
    except ImportError:
        why = "Playwright is not installed (pip install -e '.[dev]')"
        if os.environ.get("WAYMARK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{why}; WAYMARK_REQUIRE_BROWSER=1 requires the browser tests.", pytrace=False)
        pytest.skip(f"{why}: browser tests skipped", allow_module_level=True)
    return Page, expect


def sign_in(page, email: str, password: str | None = None) -> None:
    """Type into the login form and click the button, as a person would (the demo's password by default).
    Returns once the server has answered the form, so the next step does not race the sign-in."""
    from tests.support.people import DEMO_PASSWORD

    page.goto("/login")
    page.get_by_label("Email address").press_sequentially(email)
    page.get_by_label("Password", exact=True).press_sequentially(password or DEMO_PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST" and "/login" in r.url):
        page.get_by_role("button", name="Sign in", exact=True).click()


def signed_in_page(new_context, email: str):
    """A page in a context of its own (its own cookies), signed in as this person."""
    page = new_context().new_page()
    sign_in(page, email)
    return page


def add_written_account(page, title: str, context: str, body: str, yesterday: str) -> None:
    """From the new-evidence page, add an anonymised written account as a candidate would; ends on its
    page."""
    from playwright.sync_api import expect

    page.goto("/portfolio/new?kind=account")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Date of the activity").fill(yesterday)
    page.get_by_label("Context").fill(context)
    page.get_by_label("Your written account").fill(body)
    page.get_by_label("I confirm no pupil can be identified from this evidence").check()
    page.get_by_role("button", name="Add to portfolio").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def open_cohort_link(page, link: str, cohort: str = "Certificate 2026-27") -> None:
    """From the menu, the demo cohort's page (the first whose name starts so), then one of its links."""
    import re

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cohorts").click()
    page.get_by_role("link", name=re.compile(rf"^{re.escape(cohort)}")).first.click()
    page.get_by_role("link", name=link).click()


def set_deadline(page, module: str, due) -> None:
    """On the cohort's deadlines page: set this module's deadline (`module` as the list labels it)."""
    page.get_by_label("Module").select_option(label=module)
    page.get_by_label("Deadline", exact=True).fill(due.isoformat())
    page.get_by_role("button", name="Save the deadline").click()


def start_break(page, began, back_on, reason: str) -> None:
    """On a candidate's membership page: record a break in learning from `began`, back on `back_on`."""
    form = page.get_by_role("region", name="Record a break in learning")
    form.get_by_label("First day of the break").fill(began.isoformat())
    form.get_by_label("Expected back on").fill(back_on.isoformat())
    form.get_by_label("Reason").fill(reason)
    form.get_by_role("button", name="Start the break").click()
