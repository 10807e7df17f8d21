"""What every multi-factor change shares: the throttle, the failure count, the audit row and the email."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import delete

from core.accounts.models import LoginAttempt, User
from core.accounts.services.sessions import check_throttle, note_attempt
from core.audit.services import record
from core.db.timeutil import utcnow
from core.errors import ValidationFailed
from core.extensions import db
from core.mail.services import queue_template_mail

THROTTLE_KIND = "mfa"

WRONG_APP_CODE = (
    "That code is not right. Type the 6 digits your authenticator app shows for Waymark now "
    "(if it keeps failing, check that your phone sets its clock automatically)."
)
REUSED_APP_CODE = "That code has already been used. Wait for your app to show a new one, then type that."
WRONG_RECOVERY_CODE = "That recovery code is not right, or it has already been used."
MISSING_CODE = "Enter the code from your authenticator app, or one of your recovery codes."

# What each change tells the person by email (subject, sentence). Every change is emailed to the account's
# own address, so someone who did not make it finds out.
CHANGES = {
    "enabled": (
        "Multi-factor sign-in is on for your Waymark account",
        "Multi-factor sign-in was turned on for your account, with an authenticator app.",
    ),
    "disabled": (
        "Multi-factor sign-in is off for your Waymark account",
        "Multi-factor sign-in was turned off for your account: your password alone now signs you in.",
    ),
    "codes_regenerated": (
        "New recovery codes for your Waymark account",
        "New recovery codes were made for your account; the old ones no longer work.",
    ),
    "code_used": (
        "A recovery code was used to sign in to Waymark",
        "One of your recovery codes was used to sign in to your account. Each code works once.",
    ),
    "reset": (
        "Your Waymark multi-factor sign-in was reset",
        "An administrator reset multi-factor sign-in on your account: your authenticator app, passkeys "
        "and recovery codes no longer work.",
    ),
    "passkey_added": (
        "A passkey was added to your Waymark account",
        "A passkey was added to your account as a way to confirm your sign-in.",
    ),
    "passkey_removed": (
        "A passkey was removed from your Waymark account",
        "A passkey was removed from your account.",
    ),
}


class CodeRefused(ValidationFailed):
    """A wrong or reused code (or password) for a second-factor check. The failure has been counted and
    audited in the caller's transaction, so the caller commits before showing the message."""


def keys() -> list[str]:
    """The key material that seals authenticator secrets: WAYMARK_MFA_KEYS (newest first), else the app's
    SECRET_KEY."""
    cfg = current_app.config
    return list(cfg.get("WAYMARK_MFA_KEYS") or ()) or [cfg["SECRET_KEY"]]


def check_mfa_throttle(user: User, ip: str) -> None:
    """Raise LoginThrottled after too many wrong codes for this account or from this address."""
    cfg = current_app.config
    check_throttle(
        THROTTLE_KIND,
        user.email,
        ip,
        per_account=cfg["WAYMARK_LOGIN_MAX_FAILURES_ACCOUNT"],
        per_address=cfg["WAYMARK_LOGIN_MAX_FAILURES_ADDRESS"],
    )


def refuse(user: User, ip: str, errors: dict[str, str], *, reason: str) -> CodeRefused:
    """Count a failed check towards the throttle, audit it, and give the error to raise."""
    note_attempt(THROTTLE_KIND, user.email, ip)
    record("mfa_failed", actor=user, obj=user, details={"reason": reason})
    db.session.flush()
    return CodeRefused(errors)


def clear_failures(user: User) -> None:
    """A right code ends the count of wrong ones for this account."""
    db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.kind == THROTTLE_KIND, LoginAttempt.email == user.email)
    )


def tell(user: User, change: str, *, reason: str | None = None, ip: str | None = None) -> None:
    """Email the account's owner about a change to their multi-factor sign-in."""
    subject, sentence = CHANGES[change]
    queue_template_mail(
        user.email,
        subject,
        "core/mfa/mail/changed",
        category="security",
        user=user,
        sentence=sentence,
        reason=reason,
        ip=ip,
        when=utcnow(),
    )
