"""Multi-factor sign-in as a person does it: read the key off the setup page, type what the app would show,
keep the recovery codes the page shows once. A clock the services read, so codes can be spent step by step."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp

from tests.support.html import form_post, login, page_text

_SECRET = re.compile(r'data-testid="mfa-secret">([^<]+)<')
_CODES = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")
STEP = timedelta(seconds=30)
# Mid-step, so a code is never read on a boundary.
START = datetime(2027, 7, 1, 9, 0, 10, tzinfo=UTC)


class Clock:
    """The time the multi-factor services see; `tick()` moves it on by one 30-second step."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self, steps: int = 1) -> None:
        self.now += STEP * steps

    def code(self, secret: str, steps: int = 0) -> str:
        """What the authenticator app shows now (or `steps` steps later)."""
        return pyotp.TOTP(secret).at(self.now + STEP * steps)


def secret_on(response) -> str:
    """The key the setup page shows for typing into an app by hand, without its spaces."""
    match = _SECRET.search(response.get_data(as_text=True))
    assert match, "no key on the setup page"
    return match.group(1).replace(" ", "")


def codes_on(response) -> list[str]:
    """The recovery codes a page shows."""
    return _CODES.findall(response.get_data(as_text=True))


@dataclass
class SetUp:
    secret: str
    codes: list[str]
    response: object


def set_up_app(client, clock: Clock) -> SetUp:
    """From the setup page (signed in, or after the password): read the key, type the app's code."""
    page = client.get("/account/mfa/setup")
    assert page.status_code == 200, page_text(page)
    secret = secret_on(page)
    response = form_post(client, "/account/mfa/setup", {"code": clock.code(secret)})
    return SetUp(secret, codes_on(response), response)


def enter_code(client, code: str, *, follow: bool = False):
    """Type a code (from the app, or a recovery code) on the page asked for after the password."""
    return form_post(client, "/login/code", {"code": code}, follow=follow)


def sign_in_with_code(client, email: str, password: str, code: str):
    """Password, then the code; answers the code page's response (a redirect when it was right)."""
    first = login(client, email, password, follow=False)
    assert first.headers["Location"] == "/login/code"
    return enter_code(client, code)
