"""Single sign-on in the browser, against the real OpenID provider (tests/oidc): the demo's course leader
finds her password refused (staff sign in with the university here), presses "Sign in with Northmoor
University" from the keyboard, signs in on the provider's own page, lands on her Waymark home, signs out,
and signs out of the university too from the link Waymark offers."""

from __future__ import annotations

import pytest

from tests.e2e.browser import playwright_or_skip, sign_in
from tests.e2e.conftest import serve_demo
from tests.support.oidc import PROVIDER_PASSWORD, UNI, free_port, running_provider, waymark_client
from tests.support.people import LEADER

Page, expect = playwright_or_skip()

pytestmark = pytest.mark.e2e

NAME, LABEL, CLIENT_ID, SECRET = UNI


@pytest.fixture(scope="module")
def provider_and_server(tmp_path_factory):
    """The provider's address is chosen first (the server's settings name it), the server started, then the
    provider with the server's addresses registered: Waymark reads the provider only when someone signs in."""
    port = free_port()
    settings = {
        "WAYMARK_OIDC_PROVIDERS": NAME,
        f"WAYMARK_OIDC_{NAME.upper()}_ISSUER": f"http://127.0.0.1:{port}",
        f"WAYMARK_OIDC_{NAME.upper()}_CLIENT_ID": CLIENT_ID,
        f"WAYMARK_OIDC_{NAME.upper()}_CLIENT_SECRET": SECRET,
        f"WAYMARK_OIDC_{NAME.upper()}_LABEL": LABEL,
        "WAYMARK_PASSWORD_SIGNIN_FOR_STAFF": "0",
    }
    server = serve_demo(tmp_path_factory, "e2e-sso", settings)
    base_url = next(server)
    try:
        clients = [waymark_client(base_url, NAME, CLIENT_ID, SECRET)]
        with running_provider(tmp_path_factory.mktemp("e2e-oidc"), clients, port=port) as provider:
            yield base_url, provider
    finally:
        server.close()


@pytest.fixture(scope="module")
def live_server(provider_and_server):
    return provider_and_server[0]


def test_the_course_leader_signs_in_with_the_university_and_out_of_both(page: Page, provider_and_server):
    _, provider = provider_and_server

    sign_in(page, LEADER)
    expect(page.get_by_text("Staff accounts sign in with single sign-on here")).to_be_visible()

    button = page.get_by_role("button", name=f"Sign in with {LABEL}")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{provider.issuer}/**")
    expect(page.get_by_role("heading", name="Sign in to the test university")).to_be_visible()
    page.get_by_label("Username").fill("priya")
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_text(f"Signed in as Dr Priya Raman with {LABEL}.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    also = page.get_by_role("link", name=f"Also sign out of {LABEL}")
    expect(also).to_be_visible()
    also.click()
    page.get_by_role("button", name="Yes, sign me out").click()

    expect(page.get_by_text(f"You have also signed out of {LABEL}.")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=f"Also sign out of {LABEL}")).to_have_count(0)

    # Signed out at the university too: the next single sign-on asks for the password again.
    page.get_by_role("button", name=f"Sign in with {LABEL}").click()
    expect(page.get_by_label("Username")).to_be_visible()
