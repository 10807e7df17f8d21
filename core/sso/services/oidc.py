"""The protocol half of single sign-on: OpenID Connect with each configured provider, through Authlib.

Authorization code flow with PKCE (S256); `state` and `nonce` are Authlib's, kept with the PKCE verifier in
the signed session cookie between the two legs and spent on return, so a callback works once, in the
browser that started it. The ID token's signature is checked against the provider's published keys and its
claims (iss, aud, exp, iat, nonce) against what this sign-in expects. Unlike other services this module
reads the request and the session: the flow's state lives there, by the protocol's design.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request, session, url_for
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
)

from core.sso.rules import Provider
from core.web.security import allow_form_target

log = logging.getLogger(__name__)

# Clock difference tolerated between Waymark and a provider when checking exp and iat.
LEEWAY_SECONDS = 60
# Discovery documents are read again after a day, so a provider's moved endpoints are found.
METADATA_MAX_AGE = 24 * 3600
TIMEOUT_SECONDS = 10
_EXTENSION = "authlib.integrations.flask_client"
# What the browser carries between the legs and after sign-in (Authlib's own keys start `_state_`).
NEXT_KEY = "waymark_sso_next"
SIGNED_IN_WITH = "waymark_sso"
SIGNOUT_OFFER = "waymark_sso_signout"


class SignInRefused(Exception):
    """Single sign-on did not complete: `str(exc)` is for the person, `reason` for the audit trail."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Assertion:
    """What a provider vouched for in one completed sign-in: its ID token checked, userinfo merged."""

    provider: Provider
    subject: str
    claims: dict
    id_token: str


def init_sso(app: Flask) -> None:
    """Register an Authlib client per configured provider (discovery is read on first use, not here)."""
    oauth = OAuth(app)
    for provider in app.config["WAYMARK_OIDC_PROVIDERS"]:
        oauth.register(
            provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.discovery_url,
            client_kwargs={
                "scope": provider.scope,
                "code_challenge_method": "S256",
                "default_timeout": TIMEOUT_SECONDS,
            },
        )


def providers() -> tuple[Provider, ...]:
    """The deployment's providers, in the order WAYMARK_OIDC_PROVIDERS lists them."""
    return tuple(current_app.config["WAYMARK_OIDC_PROVIDERS"])


def sign_in_buttons() -> tuple[Provider, ...]:
    """The providers whose "Sign in with ..." buttons a page shows (a Jinja global): the page's policy lets
    its forms lead on to each provider's sign-in (its issuer's origin, and its authorization endpoint's
    once discovery has been read)."""
    shown = providers()
    for provider in shown:
        allow_form_target(_origin(provider.issuer))
        cached = current_app.extensions[_EXTENSION].create_client(provider.name).server_metadata
        if cached.get("authorization_endpoint"):
            allow_form_target(_origin(cached["authorization_endpoint"]))
    return shown


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def provider_named(name: str) -> Provider | None:
    return next((p for p in providers() if p.name == name), None)


def _client(provider: Provider):
    client = current_app.extensions[_EXTENSION].create_client(provider.name)
    loaded = client.server_metadata.get("_loaded_at")
    if loaded and time.time() - loaded > METADATA_MAX_AGE:
        client.server_metadata.clear()
    return client


def _unreachable(provider: Provider) -> SignInRefused:
    return SignInRefused(
        f"{provider.label} could not be reached just now, so you have not been signed in. "
        "Try again in a few minutes, or sign in with your Waymark password if you have one.",
        "provider unreachable",
    )


def _metadata(provider: Provider, client) -> dict:
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        log.warning("OpenID provider %s: discovery failed: %s", provider.name, exc)
        raise _unreachable(provider) from exc
    # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer it was asked about.
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer.rstrip("/"):
        client.server_metadata.clear()
        log.warning("OpenID provider %s: discovery names issuer %r", provider.name, metadata.get("issuer"))
        raise SignInRefused(
            f"{provider.label} is not set up correctly for Waymark (its address does not match), so you have "
            "not been signed in. Tell your administrator.",
            "issuer mismatch in discovery",
        )
    return metadata


def check_discovery(provider: Provider) -> bool:
    """Read the provider's discovery document now (SignInRefused if it fails); whether it has an
    end-session endpoint."""
    client = _client(provider)
    client.server_metadata.clear()
    return bool(_metadata(provider, client).get("end_session_endpoint"))


def redirect_uri(provider: Provider) -> str:
    """The address the provider sends people back to: register exactly this with the provider."""
    base = current_app.config["WAYMARK_BASE_URL"].rstrip("/")
    return base + url_for("core.sso.callback", name=provider.name)


def post_logout_uri(provider: Provider) -> str:
    """Where the provider sends people after signing out there (register it too, where asked)."""
    base = current_app.config["WAYMARK_BASE_URL"].rstrip("/")
    return base + url_for("core.sso.signed_out", name=provider.name)


def begin(provider: Provider, *, next_url: str):
    """Send the browser to the provider's sign-in (a redirect), with state, nonce and a PKCE challenge."""
    client = _client(provider)
    _metadata(provider, client)
    try:
        response = client.authorize_redirect(redirect_uri(provider))
    except (requests.RequestException, RuntimeError) as exc:
        raise _unreachable(provider) from exc
    session[NEXT_KEY] = next_url
    return response


# The answer's problems in words: (reason for the audit trail, what it means for the person).
_TOKEN_PROBLEMS = {
    "aud": ("wrong audience", "it was issued for another service"),
    "azp": ("wrong audience", "it was issued for another service"),
    "nonce": ("nonce mismatch", "it belongs to a different sign-in"),
    "iss": ("wrong issuer", "it was not issued by {label}"),
    "iat": ("issued in the future", "it is dated in the future"),
}


def _token_refusal(provider: Provider, exc: JoseError) -> SignInRefused:
    if isinstance(exc, ExpiredTokenError):
        reason, why = "expired token", "it has expired"
    elif isinstance(exc, BadSignatureError | InvalidKeyIdError):
        reason, why = "bad signature", f"its signature is not {provider.label}'s"
    elif isinstance(exc, InvalidClaimError) and exc.claim in _TOKEN_PROBLEMS:
        reason, why = _TOKEN_PROBLEMS[exc.claim]
    elif isinstance(exc, ClaimError):
        reason, why = f"claim {exc.claim}: {exc.error}", "it is incomplete"
    else:
        reason, why = f"token not valid: {exc.error}", "it is not a valid token"
    return SignInRefused(
        f"The answer from {provider.label} could not be trusted ({why.format(label=provider.label)}), so you "
        "have not been signed in. Start again; if it keeps happening, tell your administrator.",
        reason,
    )


def _stale(provider: Provider) -> SignInRefused:
    return SignInRefused(
        "That sign-in has already been used, has expired, or was started in another browser, so you have "
        f"not been signed in. Start again with “Sign in with {provider.label}”.",
        "state missing or reused",
    )


def _answer_error(provider: Provider) -> SignInRefused | None:
    """The provider's own refusal in the callback (the person cancelled, or it could not sign them in)."""
    error = request.args.get("error")
    if not error:
        return None
    if error == "access_denied":
        return SignInRefused(
            f"You cancelled signing in with {provider.label}. Nothing has changed: try again, or sign in "
            "another way.",
            "cancelled at the provider",
        )
    return SignInRefused(
        f"{provider.label} could not sign you in ({error}). Try again; if it keeps happening, tell your "
        "administrator.",
        f"provider error {error}",
    )


def _claims_options(client_id: str, issuer: str) -> dict:
    # Built afresh each time: Authlib consumes the options it is given.
    return {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }


def _exchange(provider: Provider, client, metadata: dict) -> dict:
    # RFC 9207: a provider that names itself in the answer must name itself (a mix-up attack otherwise).
    iss = request.args.get("iss")
    if iss is not None and iss != metadata["issuer"]:
        raise _token_refusal(provider, InvalidClaimError("iss"))
    try:
        return client.authorize_access_token(
            claims_options=_claims_options(provider.client_id, metadata["issuer"]),
            leeway=LEEWAY_SECONDS,
        )
    except MismatchingStateError as exc:
        raise _stale(provider) from exc
    except OAuthError as exc:
        # The token endpoint refused: usually a code already spent or too old (invalid_grant).
        log.info("OpenID provider %s refused the code: %s", provider.name, exc)
        if exc.error == "invalid_grant":
            raise _stale(provider) from exc
        raise SignInRefused(
            f"{provider.label} did not accept this sign-in ({exc.error}). Start again; if it keeps "
            "happening, tell your administrator.",
            f"token endpoint: {exc.error}",
        ) from exc
    except JoseError as exc:
        log.warning("OpenID provider %s: ID token refused: %r", provider.name, exc)
        raise _token_refusal(provider, exc) from exc
    except (requests.RequestException, ValueError) as exc:
        raise _unreachable(provider) from exc


def _with_userinfo(provider: Provider, client, token: dict, claims: dict) -> dict:
    """The ID token's claims, with the address and names from the userinfo endpoint where the ID token
    leaves them out (as providers may in the code flow)."""
    if claims.get("email") or not client.server_metadata.get("userinfo_endpoint"):
        return claims
    try:
        info = client.userinfo(token=token)
    except (requests.RequestException, ValueError, OAuthError) as exc:
        raise _unreachable(provider) from exc
    # OpenID Connect Core 5.3.2: userinfo about someone else must not be used.
    if info.get("sub") != claims["sub"]:
        raise SignInRefused(
            f"The answer from {provider.label} could not be trusted (it describes someone else), so you have "
            "not been signed in. Tell your administrator.",
            "userinfo subject mismatch",
        )
    wanted = ("email", "email_verified", "name", "given_name", "family_name")
    return {**claims, **{k: info[k] for k in wanted if k in info}}


def finish(provider: Provider) -> Assertion:
    """Complete the sign-in the provider sent back: state, code (with the PKCE verifier), ID token checked.

    Raises SignInRefused with words for the person whatever went wrong; nothing is signed in here.
    """
    if refusal := _answer_error(provider):
        raise refusal
    client = _client(provider)
    metadata = _metadata(provider, client)
    token = _exchange(provider, client, metadata)
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise SignInRefused(
            f"{provider.label} sent no identity with its answer, so you have not been signed in. Tell your "
            "administrator.",
            "no ID token",
        )
    claims = _with_userinfo(provider, client, token, dict(claims))
    return Assertion(provider, str(claims["sub"]), claims, token["id_token"])


def take_next_url() -> str:
    """Where the person was going before signing in (kept across the provider's leg), once."""
    return session.pop(NEXT_KEY, "") or ""


# Signing out ------------------------------------------------------------------------------------------


def remember_provider_session(assertion: Assertion) -> None:
    """Keep, for signing out later, which provider this browser signed in with and its ID token (the
    `id_token_hint` the provider's end-session endpoint asks for)."""
    session[SIGNED_IN_WITH] = {"provider": assertion.provider.name, "id_token": assertion.id_token}


def provider_signout_offer() -> dict | None:
    """Before the cookie is cleared on signing out: the provider's end-session link, if this browser signed
    in with a provider that has one ({"label", "url"}), else None."""
    held = session.get(SIGNED_IN_WITH) or {}
    provider = provider_named(held.get("provider", ""))
    if provider is None:
        return None
    client = _client(provider)
    try:
        if not client.load_server_metadata().get("end_session_endpoint"):
            return None  # Google, for one, has none
        logout = client.create_logout_url(
            post_logout_redirect_uri=post_logout_uri(provider),
            id_token_hint=held.get("id_token"),
            client_id=provider.client_id,
        )
    except (requests.RequestException, ValueError, RuntimeError):
        log.info("OpenID provider %s unreachable at sign-out: no end-session link offered", provider.name)
        return None
    return {"label": provider.label, "url": logout["url"]}


def offer_provider_signout(offer: dict | None) -> None:
    """After the cookie is cleared: keep the end-session link for the sign-in page to offer."""
    if offer:
        session[SIGNOUT_OFFER] = offer


def signout_offer() -> dict | None:
    """The end-session link the sign-in page offers after signing out (a Jinja global)."""
    return session.get(SIGNOUT_OFFER)


def forget_signout_offer() -> None:
    session.pop(SIGNOUT_OFFER, None)
