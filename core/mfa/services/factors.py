"""The authenticator app and recovery codes: turning them on, checking them at sign-in, new codes, turning
off, and an administrator's reset for someone locked out."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError

from core.accounts.models import Role, User
from core.accounts.rules import hash_password, verify_password
from core.accounts.services.sessions import revoke_sessions
from core.audit.services import record
from core.db.timeutil import utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.mfa.models import Passkey, RecoveryCode, TotpSecret
from core.mfa.permissions import can_reset_mfa
from core.mfa.queries import app_of, has_second_factor, unused_recovery_codes
from core.mfa.rules import (
    SecretUnreadable,
    check_app_code,
    is_secret,
    looks_like_app_code,
    new_recovery_codes,
    normalise_recovery_code,
    seal,
    unseal,
)
from core.mfa.services.common import (
    MISSING_CODE,
    REUSED_APP_CODE,
    WRONG_APP_CODE,
    WRONG_RECOVERY_CODE,
    check_mfa_throttle,
    clear_failures,
    keys,
    refuse,
    tell,
)
from core.validation import Text

log = logging.getLogger("waymark.mfa")

RESET_REASON = Text(
    500,
    "Write the reason in 500 characters or fewer.",
    "Say why you are resetting it, and how you made sure the request came from them.",
)
SETUP_CODE_WRONG = (
    "That code is not right. Scan the QR code again (or type the key), then enter the 6 digits your app "
    "shows now."
)


@dataclass(frozen=True)
class Verified:
    """How a sign-in's second factor was proved, and how many recovery codes are left after a recovery."""

    method: str  # "app" or "recovery"
    codes_left: int | None = None


def _spend_app_code(user: User, typed: str) -> str | None:
    """Accept an app code once (its time step is stored atomically); the refusal's message otherwise."""
    app = app_of(user.id)
    if app is None:
        return WRONG_APP_CODE
    try:
        secret = unseal(app.sealed_secret, keys())
    except SecretUnreadable:
        # The key changed without the old one kept (docs/operations.md): the person needs a recovery code.
        log.error("the authenticator secret of user %s cannot be opened with the configured keys", user.id)
        return WRONG_APP_CODE
    now = utcnow()
    check = check_app_code(secret, typed, now, app.last_used_step)
    if check.step is None:
        return WRONG_APP_CODE
    if check.reused:
        return REUSED_APP_CODE
    # Two requests with the same code at once: only one moves the step on.
    moved = db.session.execute(
        update(TotpSecret)
        .where(
            TotpSecret.id == app.id,
            or_(TotpSecret.last_used_step.is_(None), TotpSecret.last_used_step < check.step),
        )
        .values(last_used_step=check.step, last_used_at=now)
    ).rowcount
    return None if moved == 1 else REUSED_APP_CODE


def _spend_recovery_code(user: User, typed: str) -> int | None:
    """Use one recovery code (never twice); how many are left after it, or None when it is not one."""
    code = normalise_recovery_code(typed)
    unused = unused_recovery_codes(user.id)
    for row in unused:
        if verify_password(row.code_hash, code):
            spent = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
            ).rowcount
            if spent != 1:
                return None
            left = len(unused) - 1
            record("mfa_recovery_code_used", actor=user, obj=user, details={"codes_left": left})
            return left
    return None


def _check_code(user: User, typed: str, ip: str) -> Verified:
    """Spend an app code or a recovery code, or count the failure and raise CodeRefused."""
    typed = (typed or "").strip()
    if not typed:
        raise ValidationFailed({"code": MISSING_CODE})
    if looks_like_app_code(typed):
        problem = _spend_app_code(user, typed)
        if problem is not None:
            reason = "reused code" if problem == REUSED_APP_CODE else "wrong code"
            raise refuse(user, ip, {"code": problem}, reason=reason)
        return Verified("app")
    left = _spend_recovery_code(user, typed)
    if left is None:
        raise refuse(user, ip, {"code": WRONG_RECOVERY_CODE}, reason="wrong recovery code")
    return Verified("recovery", left)


def verify_second_factor(user: User, typed: str, ip: str) -> Verified:
    """Check the second factor of a sign-in whose password was right; throttled like passwords."""
    check_mfa_throttle(user, ip)
    verified = _check_code(user, typed, ip)
    if verified.method == "recovery":
        tell(user, "code_used", ip=ip)
    clear_failures(user)
    db.session.flush()
    return verified


def confirm_code(user: User, typed: str, ip: str) -> Verified:
    """A current code (or a recovery code) from a signed-in person, before a change to their factors."""
    check_mfa_throttle(user, ip)
    verified = _check_code(user, typed, ip)
    clear_failures(user)
    return verified


def confirm_password(user: User, password: str, ip: str) -> None:
    """The password again, before a change to one's factors; wrong ones count towards the throttle."""
    check_mfa_throttle(user, ip)
    if not verify_password(user.password_hash, password or ""):
        raise refuse(user, ip, {"password": "That is not your password."}, reason="wrong password")


def _confirm_it_is_them(user: User, password: str, typed: str, ip: str) -> Verified:
    """Password and a current code (or a recovery code), before a change that weakens or replaces them."""
    confirm_password(user, password, ip)
    return confirm_code(user, typed, ip)


def _issue_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes (the old ones stop working); only their hashes are kept."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes()
    now = utcnow()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_password(normalise_recovery_code(c)), created_at=now)
        for c in codes
    )
    return codes


def turn_on_app(user: User, *, secret: str, typed: str) -> list[str]:
    """Turn on the authenticator app once it shows a right code; returns new recovery codes (none when the
    person already holds some, from a passkey set up before)."""
    if app_of(user.id) is not None:
        raise InvalidTransition("Your authenticator app is already set up.")
    if not is_secret(secret):
        raise ValidationFailed({"code": "The setup page has expired. Scan the new QR code and try again."})
    check = check_app_code(secret, typed, utcnow(), None)
    if not check.accepted:
        raise ValidationFailed({"code": SETUP_CODE_WRONG})
    try:
        with db.session.begin_nested():
            db.session.add(
                TotpSecret(
                    user_id=user.id,
                    sealed_secret=seal(secret, keys()),
                    last_used_step=check.step,
                    last_used_at=utcnow(),
                )
            )
    except IntegrityError as exc:
        # The same form sent twice at once: the first turned it on.
        raise InvalidTransition("Your authenticator app is already set up.") from exc
    codes = [] if unused_recovery_codes(user.id) else _issue_recovery_codes(user)
    record("mfa_enabled", actor=user, obj=user, details={"method": "app", "recovery_codes": len(codes)})
    tell(user, "enabled")
    db.session.flush()
    return codes


def _require_on(user: User) -> None:
    if not has_second_factor(user.id):
        raise InvalidTransition("Multi-factor sign-in is not on for your account.")


def regenerate_recovery_codes(user: User, *, password: str, typed: str, ip: str) -> list[str]:
    """New recovery codes for the old ones (lost, or running out), with the password and a code."""
    _require_on(user)
    _confirm_it_is_them(user, password, typed, ip)
    codes = _issue_recovery_codes(user)
    record("mfa_recovery_codes_regenerated", actor=user, obj=user, details={"recovery_codes": len(codes)})
    tell(user, "codes_regenerated", ip=ip)
    db.session.flush()
    return codes


def _remove_factors(user: User) -> None:
    for model in (TotpSecret, Passkey, RecoveryCode):
        db.session.execute(delete(model).where(model.user_id == user.id))


def turn_off(user: User, *, password: str, typed: str, ip: str) -> None:
    """Turn multi-factor sign-in off (app, passkeys and recovery codes), with the password and a code."""
    _require_on(user)
    verified = _confirm_it_is_them(user, password, typed, ip)
    _remove_factors(user)
    record("mfa_disabled", actor=user, obj=user, details={"confirmed_with": verified.method})
    tell(user, "disabled", ip=ip)
    db.session.flush()


def reset_mfa(actor: User | None, target: User, *, reason: str) -> int:
    """An administrator (or the `flask mfa reset` command, with no actor) removes someone's second factors
    after checking who is asking; they are signed out everywhere. Returns how many sessions ended."""
    if actor is not None:
        require(can_reset_mfa(actor, target), "You cannot reset this person's multi-factor sign-in.")
    reason = (reason or "").strip()
    if problem := RESET_REASON(reason):
        raise ValidationFailed({"reason": problem})
    if not has_second_factor(target.id) and not unused_recovery_codes(target.id):
        raise InvalidTransition(f"{target.name} has no multi-factor sign-in to reset.")
    _remove_factors(target)
    ended = revoke_sessions(target)
    record(
        "mfa_reset",
        actor=actor,
        actor_role=Role.ADMIN if actor is not None else None,
        obj=target,
        details={"reason": reason, "sessions_ended": ended},
    )
    tell(target, "reset", reason=reason)
    db.session.flush()
    return ended
