"""Pure rules of multi-factor sign-in: who must use it, time-based codes, recovery codes, sealing secrets.

No Flask and no database: the services pass in the time, the stored step and the key material.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.accounts.models import Role

# Staff whose decisions or powers reach candidates' awards (or every account) must prove a second factor.
DEFAULT_REQUIRED_ROLES: tuple[str, ...] = (
    Role.ADMIN.value,
    Role.COURSE_LEADER.value,
    Role.IQA.value,
    Role.EXAMINER.value,
)
ISSUER = "Waymark"
# A code from the step before or after the server's is accepted: phones' clocks drift by a few seconds.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code copied from paper must not be misread. 31 letters, 10 of them: about 50 bits.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
_SEPARATORS = re.compile(r"[\s\-]+")
_SIX_DIGITS = re.compile(r"^\d{6}$")


class UnknownRole(ValueError):
    """WAYMARK_MFA_REQUIRED_ROLES names a role Waymark does not have."""


def required_roles_setting(value: str | None) -> tuple[str, ...]:
    """The roles that must use a second factor, from the setting's text.

    Unset: the default four. Empty or "none": nobody (the demo and the tests). Otherwise role names separated
    by commas; a name that is not a role stops the app from starting rather than silently requiring nothing.
    """
    if value is None:
        return DEFAULT_REQUIRED_ROLES
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    if names in ([], ["none"]):
        return ()
    known = {r.value for r in Role}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownRole(f"WAYMARK_MFA_REQUIRED_ROLES: unknown role(s) {', '.join(unknown)}")
    return tuple(dict.fromkeys(names))


def is_required(held: Iterable[str], required: Iterable[str]) -> bool:
    """Whether someone holding these roles must use a second factor."""
    return bool({str(r) for r in held} & {str(r) for r in required})


# Time-based codes (RFC 6238: 6 digits, 30-second steps, SHA-1, as every authenticator app reads them) ----


def new_secret() -> str:
    """A fresh 160-bit base32 secret for an authenticator app."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data: address (drawn here: the page makes no request elsewhere)."""
    return segno.make(text, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def looks_like_app_code(typed: str) -> bool:
    """Whether what was typed has the shape of an app's code (6 digits, spaces allowed)."""
    return bool(_SIX_DIGITS.match(_SEPARATORS.sub("", typed or "")))


@dataclass(frozen=True)
class CodeCheck:
    """What a typed code matched: the time step it belongs to, or none; `reused` when that step was spent."""

    step: int | None
    reused: bool = False

    @property
    def accepted(self) -> bool:
        return self.step is not None and not self.reused


def check_app_code(secret: str, typed: str, now: datetime, last_step: int | None) -> CodeCheck:
    """Match a typed code against the steps around `now`; a step at or before `last_step` is reused."""
    code = _SEPARATORS.sub("", typed or "")
    if not _SIX_DIGITS.match(code):
        return CodeCheck(None)
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    matched = None
    # Every candidate step is compared (no early return), so the time taken does not say which one matched.
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and matched is None:
            matched = step
    if matched is None:
        return CodeCheck(None)
    return CodeCheck(matched, reused=last_step is not None and matched <= last_step)


def code_at(secret: str, moment: datetime) -> str:
    """The code an authenticator app shows at this moment (for tests and the demo)."""
    return pyotp.TOTP(secret).at(moment)


# Recovery codes ---------------------------------------------------------------------------------------------


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Fresh one-time codes, written "abcde-fghjk"."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalise_recovery_code(typed: str) -> str:
    """A recovery code as stored before hashing: lower case, without the spaces and hyphens people type."""
    return _SEPARATORS.sub("", (typed or "").strip().lower())


# Sealing secrets at rest -----------------------------------------------------------------------------------


def _fernet_key(material: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"waymark mfa totp secret").derive(
        material.encode("utf-8")
    )
    return base64.urlsafe_b64encode(derived)


def _sealer(keys: Iterable[str]) -> MultiFernet:
    materials = [k for k in keys if k]
    if not materials:
        raise ValueError("no key to seal multi-factor secrets with")
    return MultiFernet([Fernet(_fernet_key(m)) for m in materials])


def seal(secret: str, keys: Iterable[str]) -> str:
    """The secret encrypted and authenticated (Fernet) with a key derived from the first of `keys`."""
    return _sealer(keys).encrypt(secret.encode("ascii")).decode("ascii")


class SecretUnreadable(Exception):
    """A sealed secret none of the keys opens (the key changed without the old one kept)."""


def unseal(sealed: str, keys: Iterable[str]) -> str:
    """The secret from its sealed form; any of `keys` may open it (older keys kept while rotating)."""
    try:
        return _sealer(keys).decrypt(sealed.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise SecretUnreadable("the multi-factor secret cannot be opened with the configured keys") from exc


_BASE32_SECRET = re.compile(r"^[A-Z2-7]{32}$")


def is_secret(text: str | None) -> bool:
    """Whether this is a secret as new_secret() makes them (the setup page's one, kept in the cookie)."""
    return bool(text and _BASE32_SECRET.match(text))
