"""Multi-factor sign-in in the browser, with the requirement as production has it: the course leader is sent
to set up an authenticator app after the password, types the app's code, saves the recovery codes, and is
signed in; next time the password is followed by the code page, and a recovery code works once."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from tests.e2e.browser import playwright_or_skip, sign_in
from tests.e2e.conftest import serve_demo
from tests.support.people import LEADER

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server of its own, requiring a second factor of the four staff roles, as production does."""
    yield from serve_demo(
        tmp_path_factory, "e2e-mfa", {"WAYMARK_MFA_REQUIRED_ROLES": "admin,course_leader,iqa,examiner"}
    )


def _code_after(totp: pyotp.TOTP, spent_step: int) -> str:
    """What the app shows now, or the next step's code when this step's was spent (one step ahead passes)."""
    return totp.generate_otp(max(totp.timecode(time.time()), spent_step + 1))


def test_course_leader_sets_up_an_app_then_signs_in_with_its_code(page: Page, new_context):
    sign_in(page, LEADER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up multi-factor sign-in")
    expect(page.get_by_text("Your role in Waymark needs it")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code for adding Waymark"))).to_be_visible()
    secret = page.get_by_test_id("mfa-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    spent = totp.timecode(time.time())
    page.get_by_label("Code from your app").fill(totp.generate_otp(spent))
    page.get_by_role("button", name="Turn on multi-factor sign-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved my codes: continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dr Priya Raman")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, LEADER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    page.get_by_label("Code", exact=True).fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    page.get_by_label("Code", exact=True).fill(_code_after(totp, spent))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dr Priya Raman")

    # Another browser, no phone: a recovery code, once.
    other = new_context().new_page()
    sign_in(other, LEADER)
    other.get_by_label("Code", exact=True).fill(codes[0])
    other.get_by_role("button", name="Continue").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Hello, Dr Priya Raman")
    expect(other.get_by_text("You used a recovery code: 9 recovery codes left")).to_be_visible()
