"""Passkeys: adding one (with a current code), confirming a sign-in with one, removing one (with the
password). They flush; the caller commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from core.accounts.models import User
from core.audit.services import record
from core.db.timeutil import utcnow
from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db
from core.mfa.models import Passkey
from core.mfa.queries import app_of
from core.mfa.services.common import check_mfa_throttle, clear_failures, refuse, tell
from core.mfa.services.factors import Verified, confirm_code, confirm_password
from core.passkeys.queries import passkey_of, stored_keys
from core.passkeys.rules import (
    PASSKEY_NAME,
    PasskeyRefused,
    Site,
    authentication_options,
    check_authentication,
    check_registration,
    registration_options,
)

NOT_PROVED = "Your passkey did not confirm it is you. Try again, or type a code from your app instead."


def begin_adding_passkey(user: User, site: Site, *, name: str, typed: str, ip: str) -> tuple[str, bytes]:
    """Options to make a passkey, once a current code shows it is the account's owner at the keyboard."""
    if app_of(user.id) is None:
        raise InvalidTransition("Set up an authenticator app first: a passkey is a second way beside it.")
    if problem := PASSKEY_NAME(name):
        raise ValidationFailed({"name": problem})
    confirm_code(user, typed, ip)
    return registration_options(
        site, user_id=user.id, email=user.email, name=user.name, existing=stored_keys(user.id)
    )


def add_passkey(
    user: User, site: Site, *, credential: dict[str, Any], challenge: bytes, name: str
) -> Passkey:
    """Keep the passkey the browser made for this account's challenge."""
    try:
        new = check_registration(site, credential, challenge)
    except PasskeyRefused as exc:
        raise ValidationFailed("The passkey could not be added. Start again, or try another device.") from exc
    key = Passkey(
        user_id=user.id,
        credential_id=new.credential_id,
        public_key=new.public_key,
        sign_count=new.sign_count,
        name=name.strip(),
        transports=new.transports,
        created_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(key)
    except IntegrityError as exc:
        raise InvalidTransition("That passkey is already on an account.") from exc
    record("mfa_passkey_added", actor=user, obj=user, details={"passkey": key.name})
    tell(user, "passkey_added")
    db.session.flush()
    return key


def sign_in_options(user: User, site: Site) -> tuple[str, bytes]:
    """Options to confirm a held sign-in with one of this account's passkeys."""
    keys = stored_keys(user.id)
    if not keys:
        raise InvalidTransition("This account has no passkey. Type a code from your app instead.")
    return authentication_options(site, allowed=keys)


def verify_passkey(
    user: User, site: Site, *, credential: dict[str, Any], challenge: bytes, ip: str
) -> Verified:
    """Check a held sign-in's passkey; failures count towards the same throttle as wrong codes."""
    check_mfa_throttle(user, ip)
    key = passkey_of(user.id, str(credential.get("id") or ""))
    if key is None:
        raise refuse(user, ip, {"": NOT_PROVED}, reason="passkey not on the account")
    try:
        count = check_authentication(
            site, credential, challenge, public_key=key.public_key, sign_count=key.sign_count
        )
    except PasskeyRefused as exc:
        raise refuse(user, ip, {"": NOT_PROVED}, reason="passkey refused") from exc
    key.sign_count = count
    key.last_used_at = utcnow()
    clear_failures(user)
    db.session.flush()
    return Verified("passkey")


def remove_passkey(user: User, key: Passkey, *, password: str, ip: str) -> None:
    """Remove one of one's passkeys, with the password."""
    confirm_password(user, password, ip)
    clear_failures(user)
    name = key.name
    db.session.delete(key)
    record("mfa_passkey_removed", actor=user, obj=user, details={"passkey": name})
    tell(user, "passkey_removed", ip=ip)
    db.session.flush()
