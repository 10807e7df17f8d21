"""The read side of multi-factor sign-in: what a person holds, and whether their sign-in needs it."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from core.accounts.models import User
from core.extensions import db
from core.mfa.models import Passkey, RecoveryCode, TotpSecret
from core.mfa.rules import is_required


@dataclass
class MfaState:
    """A person's second factors, as their account page and the administrator's show them."""

    app: TotpSecret | None
    passkeys: list[Passkey] = field(default_factory=list)
    codes_left: int = 0
    required: bool = False

    @property
    def on(self) -> bool:
        return self.app is not None


def required_for(user) -> bool:
    """Whether this person's roles oblige them to use a second factor (WAYMARK_MFA_REQUIRED_ROLES)."""
    return is_required((r.value for r in user.roles), current_app.config["WAYMARK_MFA_REQUIRED_ROLES"])


def app_of(user_id: int) -> TotpSecret | None:
    """This person's authenticator app, if they have turned one on."""
    return db.session.scalar(select(TotpSecret).where(TotpSecret.user_id == user_id))


def passkeys_of(user_id: int) -> list[Passkey]:
    """This person's passkeys, oldest first."""
    return list(db.session.scalars(select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.id)))


def unused_recovery_codes(user_id: int) -> list[RecoveryCode]:
    """The recovery codes this person has not used yet."""
    return list(
        db.session.scalars(
            select(RecoveryCode).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
    )


def mfa_state(user) -> MfaState:
    """What second factors this person holds (a Jinja global for the account pages)."""
    codes_left = db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )
    return MfaState(app_of(user.id), passkeys_of(user.id), codes_left or 0, required_for(user))


def has_second_factor(user_id: int) -> bool:
    """Whether this person has turned on multi-factor sign-in: an authenticator app (passkeys are added
    beside one, and go with it when it is turned off, so the app says it)."""
    return (
        db.session.scalar(select(select(TotpSecret.id).where(TotpSecret.user_id == user_id).exists()))
        or False
    )


def second_factor_step(user: User) -> str | None:
    """Where a sign-in goes once the password is right: the code page, the setup page, or nowhere more."""
    if has_second_factor(user.id):
        return "core.mfa.verify"
    if required_for(user):
        return "core.mfa.setup"
    return None
