"""Every way a single sign-on can go wrong is refused with words on the sign-in page, never a server error,
and nobody is signed in.

The real provider runs the flow; for the ID token's checks the provider's answer is changed on its way to
Waymark, as a man in the middle or a confused provider would change it: the token re-signed with the
provider's own key and one claim wrong (so only that claim's check can refuse it), or its payload altered
under the original signature, or signed with a key the provider never published.
"""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select

from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.sso.models import ExternalIdentity
from tests.support.html import logout, page_text
from tests.support.oidc import (
    ACCOUNTS,
    UNI,
    ProviderBrowser,
    press_sign_in_with,
    sign_in_with_provider,
    waymark_path,
)
from tests.support.people import make_user

PRIYA = ACCOUNTS["priya"]
LABEL = UNI[1]


@pytest.fixture
def priya(app):
    return make_user(app, PRIYA["email"], name="Dr Priya Raman", roles=(Role.COURSE_LEADER,))


def _refusals(app) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sso_refused"))
        return [json.loads(r.details_json)["reason"] for r in rows]


def _nobody_signed_in(app, client) -> None:
    assert client.get("/account").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(ExternalIdentity)).all() == []


def _answer_changed(monkeypatch, change) -> None:
    """The token endpoint's answer reaches Waymark with its ID token changed by `change(raw) -> raw`."""
    real = OAuth2Session.fetch_token

    def fetch_token(self, *args, **kwargs):
        token = real(self, *args, **kwargs)
        token["id_token"] = change(token["id_token"])
        return token

    monkeypatch.setattr(OAuth2Session, "fetch_token", fetch_token)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _resigned(provider, changes):
    """Re-sign the provider's token with its own key, with the claims `changes(claims)` gives changed."""

    def change(raw: str) -> str:
        original = jwt.decode(raw, provider.key).claims
        return provider.sign({**original, **changes(original)})

    return change


@pytest.mark.parametrize(
    ("changes", "reason", "words"),
    [
        (lambda c: {"aud": "waymark-schools"}, "wrong audience", "it was issued for another service"),
        (
            lambda c: {"aud": ["another-service"], "azp": c["aud"]},
            "wrong audience",
            "it was issued for another service",
        ),
        (
            lambda c: {"exp": int(time.time()) - 600, "iat": int(time.time()) - 4200},
            "expired token",
            "it has expired",
        ),
        (lambda c: {"nonce": "from-another-sign-in"}, "nonce mismatch", "it belongs to a different sign-in"),
        (
            lambda c: {"iss": "https://login.elsewhere.example"},
            "wrong issuer",
            "it was not issued by Northmoor University",
        ),
        (lambda c: {"iat": int(time.time()) + 3600}, "issued in the future", "it is dated in the future"),
    ],
    ids=["audience", "audience-with-azp", "expired", "nonce", "issuer", "future"],
)
def test_an_id_token_with_a_wrong_claim_is_refused(
    app, client, oidc_provider, priya, monkeypatch, changes, reason, words
):
    _answer_changed(monkeypatch, _resigned(oidc_provider, changes))

    page, _, _ = sign_in_with_provider(client, oidc_provider.issuer, "priya")

    assert page.status_code == 200
    assert f"The answer from {LABEL} could not be trusted ({words})" in page_text(page)
    _nobody_signed_in(app, client)
    assert _refusals(app) == [reason]


def _payload_altered(raw: str) -> str:
    # Someone swaps whose token it is, keeping the provider's signature of the original.
    header, payload, signature = raw.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return ".".join((header, _b64({**claims, "sub": ACCOUNTS["jo"]["sub"]}), signature))


def _signed_by_someone_else(kid: str):
    def change(raw: str) -> str:
        claims = json.loads(base64.urlsafe_b64decode(raw.split(".")[1] + "==="))
        other = RSAKey.generate_key(2048, parameters={"kid": kid})
        return jwt.encode({"alg": "RS256", "kid": kid}, claims, other)

    return change


@pytest.mark.parametrize(
    "change",
    [_payload_altered, _signed_by_someone_else("provider-1"), _signed_by_someone_else("not-published")],
    ids=["payload-altered", "other-key-same-kid", "unpublished-key"],
)
def test_an_id_token_not_signed_by_the_provider_is_refused(
    app, client, oidc_provider, priya, monkeypatch, change
):
    _answer_changed(monkeypatch, change)

    page, _, _ = sign_in_with_provider(client, oidc_provider.issuer, "priya")

    assert f"could not be trusted (its signature is not {LABEL}'s)" in page_text(page)
    _nobody_signed_in(app, client)
    assert _refusals(app) == ["bad signature"]


def test_a_callback_used_twice_is_refused(app, client, oidc_provider, priya):
    _, callback, _ = sign_in_with_provider(client, oidc_provider.issuer, "priya")
    logout(client)

    again = client.get(callback, follow_redirects=True)

    assert "That sign-in has already been used, has expired, or was started in another browser" in page_text(
        again
    )
    assert client.get("/account").status_code == 302
    # In another browser (the address copied, or stolen from a log) it is refused the same way.
    elsewhere = app.test_client()
    assert "has already been used" in page_text(elsewhere.get(callback, follow_redirects=True))
    assert elsewhere.get("/account").status_code == 302
    assert _refusals(app) == ["state missing or reused", "state missing or reused"]


def test_a_callback_from_a_sign_in_this_browser_never_started_is_refused(app, client, oidc_provider, priya):
    # Login CSRF: someone sends the person a callback address of their own sign-in.
    attacker = app.test_client()
    browser = ProviderBrowser(oidc_provider.issuer).open(press_sign_in_with(attacker, LABEL))
    browser.sign_in("priya")

    page = client.get(waymark_path(browser.back), follow_redirects=True)

    assert "was started in another browser" in page_text(page)
    assert client.get("/account").status_code == 302


def test_cancelling_at_the_provider_comes_back_with_a_plain_message(app, client, oidc_provider, priya):
    browser = ProviderBrowser(oidc_provider.issuer).open(press_sign_in_with(client, LABEL))
    browser.press("Cancel")

    page = client.get(waymark_path(browser.back), follow_redirects=True)

    assert f"You cancelled signing in with {LABEL}. Nothing has changed" in page_text(page)
    assert page.request.path == "/login"
    _nobody_signed_in(app, client)
    assert _refusals(app) == ["cancelled at the provider"]


def test_an_answer_naming_another_issuer_is_refused(app, client, oidc_provider, priya):
    # RFC 9207: the provider names itself in the answer; an answer naming another is a mix-up attack.
    browser = ProviderBrowser(oidc_provider.issuer).open(press_sign_in_with(client, LABEL))
    browser.sign_in("priya")
    callback = waymark_path(browser.back)
    assert "iss=" in callback

    page = client.get(callback.replace("iss=http", "iss=https"), follow_redirects=True)

    assert f"it was not issued by {LABEL}" in page_text(page)
    _nobody_signed_in(app, client)


def test_the_provider_going_away_before_the_code_is_exchanged(app, client, oidc_provider, priya, monkeypatch):
    def unreachable(self, *args, **kwargs):
        raise requests.ConnectionError("connection refused")

    browser = ProviderBrowser(oidc_provider.issuer).open(press_sign_in_with(client, LABEL))
    browser.sign_in("priya")
    monkeypatch.setattr(OAuth2Session, "fetch_token", unreachable)

    page = client.get(waymark_path(browser.back), follow_redirects=True)

    assert f"{LABEL} could not be reached just now" in page_text(page)
    _nobody_signed_in(app, client)


def test_a_callback_for_a_provider_not_configured_is_not_found(client):
    assert client.get("/login/sso/elsewhere/callback?code=x&state=y").status_code == 404
