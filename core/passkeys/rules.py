"""The WebAuthn ceremonies, pure: options for the browser, and checking what it sends back (the `webauthn`
package does the cryptography). No Flask and no database: the services pass in the site and the stored key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from core.validation import Text

RP_NAME = "Waymark"
PASSKEY_NAME = Text(
    100,
    "Name the passkey in 100 characters or fewer.",
    "Name the passkey, for example after the device or security key it is on.",
)
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


class PasskeyRefused(Exception):
    """The browser's answer does not prove the ceremony (wrong challenge, origin, signature or counter)."""


@dataclass(frozen=True)
class Site:
    """The relying party: WebAuthn binds a passkey to the site's host name, and checks the page's origin."""

    id: str
    origin: str


def site_of(base_url: str) -> Site:
    """The relying party of the public address (WAYMARK_BASE_URL): its host name and its origin."""
    parts = urlsplit(base_url)
    return Site(parts.hostname or "", f"{parts.scheme}://{parts.netloc}")


def user_handle(user_id: int) -> bytes:
    """The handle authenticators keep for the account: its number, never a name or an address."""
    return f"waymark-user-{user_id}".encode()


@dataclass(frozen=True)
class StoredKey:
    credential_id: str  # base64url
    transports: str = ""  # space-separated


def _descriptors(keys: list[StoredKey]) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(k.credential_id),
            transports=[AuthenticatorTransport(t) for t in k.transports.split() if t in _TRANSPORTS] or None,
        )
        for k in keys
    ]


def registration_options(site: Site, *, user_id: int, email: str, name: str, existing: list[StoredKey]):
    """Options for navigator.credentials.create() as JSON, and the challenge to check the answer against."""
    options = generate_registration_options(
        rp_id=site.id,
        rp_name=RP_NAME,
        user_id=user_handle(user_id),
        user_name=email,
        user_display_name=name,
        exclude_credentials=_descriptors(existing),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return options_to_json(options), options.challenge


def authentication_options(site: Site, *, allowed: list[StoredKey]):
    """Options for navigator.credentials.get() as JSON (only this account's keys), and the challenge."""
    options = generate_authentication_options(
        rp_id=site.id,
        allow_credentials=_descriptors(allowed),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


@dataclass(frozen=True)
class NewKey:
    credential_id: str
    public_key: bytes
    sign_count: int
    transports: str


def _verified(verify, site: Site, credential: dict[str, Any], challenge: bytes, **more):
    """The library's `verify` of the browser's answer to our challenge on our site; any failure refused."""
    try:
        return verify(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=site.id,
            expected_origin=site.origin,
            **more,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as exc:
        raise PasskeyRefused(str(exc)) from exc


def check_registration(site: Site, credential: dict[str, Any], challenge: bytes) -> NewKey:
    """The new passkey, once the browser's answer is proved to answer our challenge on our site."""
    verified = _verified(verify_registration_response, site, credential, challenge)
    transports = (credential.get("response") or {}).get("transports") or []
    return NewKey(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=" ".join(t for t in transports if t in _TRANSPORTS)[:200],
    )


def check_authentication(
    site: Site, credential: dict[str, Any], challenge: bytes, *, public_key: bytes, sign_count: int
) -> int:
    """The authenticator's new signature counter, once its answer is proved; a counter that went backwards
    (a cloned key) is refused by the library."""
    verified = _verified(
        verify_authentication_response,
        site,
        credential,
        challenge,
        credential_public_key=public_key,
        credential_current_sign_count=sign_count,
    )
    return verified.new_sign_count


def encode(raw: bytes) -> str:
    """Bytes as base64url (a challenge kept in the cookie session)."""
    return bytes_to_base64url(raw)


def decode(text: str) -> bytes:
    """The bytes of a base64url text."""
    return base64url_to_bytes(text)
