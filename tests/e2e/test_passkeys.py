"""Passkeys in Chromium with a virtual authenticator (the DevTools protocol's WebAuthn domain): a candidate
with an authenticator app adds a passkey from the multi-factor page, signs out, and confirms the next sign-in
by touching it instead of typing a code. The server runs as `localhost`: WebAuthn refuses an IP address."""

from __future__ import annotations

import time

import pyotp
import pytest

from tests.e2e.browser import playwright_or_skip, sign_in
from tests.e2e.conftest import serve_demo
from tests.support.people import JO

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server of its own (Jo gains an app and a passkey), named localhost."""
    yield from serve_demo(tmp_path_factory, "e2e-passkeys", host="localhost")


def _virtual_authenticator(page: Page) -> tuple[object, str]:
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    added = session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return session, added["authenticatorId"]


def test_candidate_adds_a_passkey_and_signs_in_with_it(page: Page, new_context):
    session, authenticator = _virtual_authenticator(page)
    sign_in(page, JO)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Jo Patel")

    # The app first: a passkey is a second way beside it.
    page.goto("/account/mfa/setup")
    totp = pyotp.TOTP(page.get_by_test_id("mfa-secret").inner_text().replace(" ", ""))
    spent = totp.timecode(time.time())
    page.get_by_label("Code from your app").fill(totp.generate_otp(spent))
    page.get_by_role("button", name="Turn on multi-factor sign-in").click()
    page.get_by_role("link", name="I have saved my codes: continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Multi-factor sign-in")

    # Without a browser that has passkeys the form stays hidden; Chromium has them.
    expect(page.get_by_text("Adding a passkey needs a browser")).to_be_hidden()
    page.get_by_label("Name of the passkey").fill("Test key")
    page.get_by_label("Code from your app").fill(
        totp.generate_otp(max(totp.timecode(time.time()), spent + 1))
    )
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Passkey “Test key” added")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Test key: added")
    credentials = session.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(credentials) == 1
    assert credentials[0]["rpId"] == "localhost"

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, JO)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Jo Patel")
    after = session.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert after[0]["signCount"] > credentials[0]["signCount"]

    # Another browser, whose authenticator holds no passkey for this account: refused in words.
    other = new_context().new_page()
    _virtual_authenticator(other)
    sign_in(other, JO)
    expect(other.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    other.get_by_role("button", name="Use a passkey").click()
    expect(other.get_by_role("alert")).to_contain_text("The passkey was not used")
    expect(other.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
