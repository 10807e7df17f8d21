"""Staff passwords stay on unless the deployment has single sign-on and switches them off."""

from __future__ import annotations

import pytest

from core.accounts.models import Role
from tests.support.html import login, page_text
from tests.support.people import make_user


@pytest.fixture
def sso_config():
    # The switch is off but no provider is configured: switching passwords off would lock staff out.
    return {"WAYMARK_OIDC_PROVIDERS": (), "WAYMARK_PASSWORD_SIGNIN_FOR_STAFF": False}


def test_staff_keep_passwords_while_no_provider_is_configured(app, client):
    leader = make_user(app, "leader@northmoor.example", name="Priya", roles=(Role.COURSE_LEADER,))

    assert "Hello" in page_text(login(client, leader.email))


def test_no_provider_no_single_sign_on_on_the_sign_in_page(client):
    text = page_text(client.get("/login"))
    assert "Sign in with " not in text
    assert "With your organisation" not in text
