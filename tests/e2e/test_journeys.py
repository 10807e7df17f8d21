"""Journeys through the real server in a real browser: signing in and out for every role, the keyboard,
the dark theme, a small screen, and an administrator inviting someone who then joins."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.browser import playwright_or_skip, sign_in
from tests.e2e.conftest import delivered_mail, mail_to

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

# (role, demo email, name, the heading of the card that role sees on the home page)
ROLE_LOGINS = [
    ("admin", "admin@northmoor.example", "Alex Admin", "Site administration"),
    ("course_leader", "leader@northmoor.example", "Dr Priya Raman", "People"),
    ("assessor", "assessor@northmoor.example", "Tom Okafor", "Assessment"),
    ("iqa", "iqa@northmoor.example", "Sam Whitfield", "Quality assurance"),
    ("examiner", "examiner@eastbrook.example", "Prof. Ruth Adeyemi", "External examining"),
    ("candidate", "candidate@school.example", "Jo Patel", "Your study"),
]


@pytest.mark.parametrize(("role", "email", "name", "card"), ROLE_LOGINS, ids=[r[0] for r in ROLE_LOGINS])
def test_each_role_signs_in_and_out_and_back_reveals_nothing(page, live_server, role, email, name, card):
    sign_in(page, email)
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    expect(page.get_by_role("heading", level=2, name=card, exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("You have signed out")).to_be_visible()

    # no-store: going back asks the server again, which no longer knows this person.
    page.go_back()
    page.wait_for_load_state()
    expect(page.get_by_text(f"Hello, {name}")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert name not in page.content()


def test_wrong_password_is_refused(page, live_server):
    sign_in(page, "candidate2@school.example", "not the right password at all")
    expect(page.get_by_text("The email address or password is not right")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_skip_link_is_first_and_moves_focus_to_main(page):
    page.goto("/login")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).not_to_be_in_viewport()

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def _body_background(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def _theme(page: Page) -> str | None:
    return page.evaluate("document.documentElement.dataset.theme")


def test_dark_theme_follows_the_system_and_the_footer_buttons(new_context):
    light = new_context(color_scheme="light").new_page()
    light.goto("/login")
    dark = new_context(color_scheme="dark").new_page()
    dark.goto("/login")
    light_background = _body_background(light)
    assert _body_background(dark) != light_background

    # The footer buttons switch at once and save the choice for this device.
    with light.expect_response(lambda r: r.url.endswith("/theme") and r.request.method == "POST") as saved:
        light.get_by_role("button", name="Dark", exact=True).click()
    assert saved.value.ok
    assert _theme(light) == "dark"
    expect(light.get_by_role("button", name="Dark", exact=True)).to_have_attribute("aria-pressed", "true")
    assert _body_background(light) != light_background

    light.reload()
    assert _theme(light) == "dark"

    with light.expect_response(lambda r: r.url.endswith("/theme") and r.request.method == "POST"):
        light.get_by_role("button", name="Light", exact=True).click()
    assert _theme(light) == "light"
    assert _body_background(light) == light_background


def test_small_screen_has_no_sideways_scrolling(new_context, live_server):
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto("/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    sign_in(page, "candidate@school.example")
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Jo Patel")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_admin_invites_a_candidate_who_joins(page, new_context, live_server):
    email = f"new-{uuid.uuid4().hex[:10]}@school.example"
    sign_in(page, "admin@northmoor.example")
    expect(page).to_have_url(f"{live_server}/")
    main_nav = page.get_by_role("navigation", name="Main")

    main_nav.get_by_role("link", name="Invite people", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite people")
    page.get_by_label("Name", exact=True).fill("Robin Newcomer")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Role").select_option(label="Candidate")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {email}")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outbox", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    message = page.locator("article").filter(has_text=f"To {email}")
    expect(message).to_have_count(1)
    # The Outbox never shows the link; the demo's sender delivers the email to its log, where it is.
    assert "/invitations/" not in message.locator("pre").inner_text()
    body = delivered_mail(live_server)
    match = re.search(r"(https?://\S+/invitations/\S+)", mail_to(body, email))
    assert match, f"no invitation link in the email:\n{body}"
    link = match.group(1)
    assert link.startswith(live_server)

    # The invited person, in their own browser.
    newcomer = new_context().new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Join Waymark")
    expect(newcomer.get_by_text(email)).to_be_visible()
    newcomer.get_by_label("Your name").fill("Robin Newcomer")
    newcomer.get_by_label("New password", exact=True).fill("amber lantern meadow 42")
    newcomer.get_by_label("Type the new password again").fill("amber lantern meadow 42")
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer.get_by_text("Welcome to Waymark")).to_be_visible()
    expect(newcomer).to_have_url(f"{live_server}/")
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Hello, Robin Newcomer")
    expect(newcomer.get_by_role("heading", level=2, name="Your study", exact=True)).to_be_visible()

    # The link works once.
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", level=1)).not_to_have_text("Join Waymark")
