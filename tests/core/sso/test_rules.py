"""The pure rules: providers from the environment, whose address counts as verified, names, who may use a
password."""

from __future__ import annotations

import pytest

from core.accounts.models import Role
from core.sso.permissions import can_sign_in_with_password
from core.sso.rules import Provider, ProviderSettingsError, display_name, providers_from_env, verified_email
from tests.support.people import Viewer

ENV = {
    "WAYMARK_OIDC_PROVIDERS": "uni, schools",
    "WAYMARK_OIDC_UNI_ISSUER": "https://login.microsoftonline.com/tenant-id/v2.0",
    "WAYMARK_OIDC_UNI_CLIENT_ID": "app-id",
    "WAYMARK_OIDC_UNI_CLIENT_SECRET": "s3cret",
    "WAYMARK_OIDC_UNI_LABEL": "Northmoor University",
    "WAYMARK_OIDC_UNI_EMAILS_VERIFIED": "1",
    "WAYMARK_OIDC_SCHOOLS_ISSUER": "https://accounts.google.com",
    "WAYMARK_OIDC_SCHOOLS_CLIENT_ID": "google-id",
    "WAYMARK_OIDC_SCHOOLS_TRUSTED_FOR_NEW_ACCOUNTS": "true",
}


def test_providers_are_read_from_the_environment():
    uni, schools = providers_from_env(ENV)
    assert uni == Provider(
        name="uni",
        label="Northmoor University",
        issuer="https://login.microsoftonline.com/tenant-id/v2.0",
        client_id="app-id",
        client_secret="s3cret",
        emails_verified=True,
    )
    assert uni.discovery_url == (
        "https://login.microsoftonline.com/tenant-id/v2.0/.well-known/openid-configuration"
    )
    assert (schools.label, schools.client_secret, schools.trusted_for_new_accounts) == ("Schools", None, True)
    assert providers_from_env({}) == ()


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"WAYMARK_OIDC_UNI_ISSUER": ""}, "needs WAYMARK_OIDC_UNI_ISSUER"),
        ({"WAYMARK_OIDC_UNI_CLIENT_ID": " "}, "needs WAYMARK_OIDC_UNI_CLIENT_ID"),
        ({"WAYMARK_OIDC_UNI_ISSUER": "http://login.example"}, "must be an https:// address"),
        ({"WAYMARK_OIDC_UNI_SCOPE": "email profile"}, "must include openid"),
        ({"WAYMARK_OIDC_UNI_TRUSTED_FOR_NEW_ACCOUNTS": "maybe"}, "must be 1 or 0"),
        ({"WAYMARK_OIDC_PROVIDERS": "uni, UNI"}, "names a provider twice"),
        ({"WAYMARK_OIDC_PROVIDERS": "uni/staff"}, "use lower-case letters"),
    ],
)
def test_a_wrong_setting_stops_the_app_with_its_name(changes, problem):
    with pytest.raises(ProviderSettingsError, match=problem):
        providers_from_env({**ENV, **changes})


PLAIN = Provider("uni", "Uni", "https://id.example", "id")
DIRECTORY = Provider("uni", "Uni", "https://id.example", "id", emails_verified=True)


@pytest.mark.parametrize(
    ("claims", "provider", "expected"),
    [
        ({"email": "Jo@School.Example", "email_verified": True}, PLAIN, "jo@school.example"),
        ({"email": "jo@school.example", "email_verified": "true"}, PLAIN, "jo@school.example"),
        ({"email": "jo@school.example", "email_verified": False}, PLAIN, None),
        ({"email": "jo@school.example"}, PLAIN, None),
        # A directory its administrators keep (Entra ID sends no email_verified) vouches for its addresses,
        ({"email": "jo@school.example"}, DIRECTORY, "jo@school.example"),
        # but never against the provider's own word.
        ({"email": "jo@school.example", "email_verified": False}, DIRECTORY, None),
        ({"email_verified": True}, PLAIN, None),
        ({"email": "not-an-address", "email_verified": True}, PLAIN, None),
    ],
)
def test_only_an_address_the_provider_vouches_for_counts(claims, provider, expected):
    assert verified_email(claims, provider) == expected


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"name": "  Nia   Okoro "}, "Nia Okoro"),
        ({"given_name": "Nia", "family_name": "Okoro"}, "Nia Okoro"),
        ({"given_name": "Nia"}, "Nia"),
        ({}, "nia.okoro"),
    ],
)
def test_a_new_accounts_name(claims, expected):
    assert display_name(claims, "nia.okoro@school.example") == expected


@pytest.mark.parametrize(
    ("roles", "sso_on", "staff_allowed", "expected"),
    [
        ((Role.CANDIDATE,), True, False, True),
        ((Role.ASSESSOR,), True, False, False),
        ((Role.ADMIN,), True, False, False),
        ((Role.CANDIDATE, Role.IQA), True, False, False),
        ((Role.ASSESSOR,), False, False, True),
        ((Role.ASSESSOR,), True, True, True),
    ],
)
def test_who_may_sign_in_with_a_password(roles, sso_on, staff_allowed, expected):
    user = Viewer(1, *roles)
    assert can_sign_in_with_password(user, sso_on=sso_on, staff_password_allowed=staff_allowed) is expected
