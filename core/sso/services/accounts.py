"""The account half of single sign-on: which Waymark account a provider's person signs in to.

A link (ExternalIdentity) is found by (provider, subject). The first time, a verified address finds the
account and the link is recorded; where the provider is trusted for it, a person Waymark does not know gets
a candidate's account. Roles are Waymark's: nothing a provider says gives or takes one. These services flush;
the view commits.
"""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import select, update

from core.accounts.models import Invitation, Role, User, UserRole
from core.accounts.rules import hash_password
from core.accounts.services.accounts import find_user_by_email
from core.audit.services import record
from core.db.timeutil import utcnow
from core.extensions import db
from core.sso.models import ExternalIdentity
from core.sso.permissions import can_sign_in_with_password
from core.sso.rules import Provider, display_name, verified_email
from core.sso.services.oidc import Assertion, SignInRefused, providers


def _identity(provider: Provider, subject: str) -> ExternalIdentity | None:
    return db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == provider.name, ExternalIdentity.subject == subject
        )
    )


def _unknowable_password() -> str:
    # An account that joins by single sign-on has a password nobody knows: it counts as joined, the password
    # form takes as long to refuse it as any other, and a reset link can still give it a real one.
    return hash_password(secrets.token_urlsafe(32))


def _usable(user: User) -> None:
    if not user.is_active:
        raise SignInRefused(
            "This Waymark account is disabled, so you have not been signed in. Contact your administrator.",
            "account disabled",
        )


def _new_account(assertion: Assertion, email: str) -> User:
    """A candidate's account for someone a trusted provider vouches for (Waymark's least role)."""
    user = User(email=email, name=display_name(assertion.claims, email), password_hash=_unknowable_password())
    user.role_rows = [UserRole(role=Role.CANDIDATE.value)]
    db.session.add(user)
    db.session.flush()
    record(
        "user_created",
        actor=user,
        obj=user,
        details={"email": email, "roles": [Role.CANDIDATE.value], "via": assertion.provider.name},
    )
    return user


def _account_for(assertion: Assertion) -> tuple[User, bool]:
    """The account a first sign-in links to, made now if the provider may make one; and whether it is new."""
    provider = assertion.provider
    email = verified_email(assertion.claims, provider)
    if email is None:
        raise SignInRefused(
            f"{provider.label} has not confirmed your email address, so Waymark cannot tell which account is "
            f"yours. Confirm your address with {provider.label}, or sign in with your Waymark password.",
            "email not verified",
        )
    user = find_user_by_email(email)
    if user is not None:
        _usable(user)
        return user, False
    if not provider.trusted_for_new_accounts:
        raise SignInRefused(
            f"There is no Waymark account for {email}. Waymark accounts start with an invitation from a "
            "course leader: ask yours for one, or sign in with the account you were invited with.",
            "no account for this address",
        )
    return _new_account(assertion, email), True


def _link(assertion: Assertion) -> ExternalIdentity:
    provider = assertion.provider
    user, created = _account_for(assertion)
    taken = db.session.scalar(
        select(ExternalIdentity.id).where(
            ExternalIdentity.user_id == user.id, ExternalIdentity.provider == provider.name
        )
    )
    if taken is not None:
        # Another account at the same provider already signs in to this one: an address handed on to
        # someone else must not let them in.
        raise SignInRefused(
            f"This Waymark account is already linked to a different {provider.label} account. Sign in with "
            "that one, or ask your administrator to help.",
            "account linked to another subject",
        )
    identity = ExternalIdentity(
        user=user, provider=provider.name, subject=assertion.subject, email=user.email
    )
    db.session.add(identity)
    db.session.flush()
    record(
        "sso_account_created" if created else "sso_linked",
        actor=user,
        obj=identity,
        details={"provider": provider.name, "subject": assertion.subject, "email": user.email},
    )
    return identity


def _join(user: User, provider: Provider) -> None:
    """An invited person signing in with a provider for the first time has joined, as if they had accepted
    the invitation: it is used up, the account no longer shows as invited, and the areas act on it."""
    user.password_hash = _unknowable_password()
    db.session.execute(
        update(Invitation)
        .where(Invitation.email == user.email, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
        .values(used_at=utcnow())
    )
    record("joined_by_sso", actor=user, obj=user, details={"provider": provider.name})
    db.session.flush()
    for on_joining in current_app.extensions.get("waymark_on_joining", []):
        on_joining(user)


def sign_in_with(assertion: Assertion) -> User:
    """The Waymark account this provider account signs in to: by its link, else linked (or made) now.

    Raises SignInRefused when none may be used; records the sign-in. The browser session is the caller's.
    """
    provider = assertion.provider
    identity = _identity(provider, assertion.subject) or _link(assertion)
    user = identity.user
    _usable(user)
    if not user.has_joined:
        _join(user, provider)
    identity.last_sign_in_at = utcnow()
    record(
        "sso_signed_in",
        actor=user,
        obj=user,
        details={"provider": provider.name, "subject": assertion.subject},
    )
    db.session.flush()
    return user


def record_refusal(provider: Provider, refusal: SignInRefused, subject: str | None = None) -> None:
    """The audit row of a single sign-on that did not complete (nothing else is written)."""
    record(
        "sso_refused",
        object_type="ExternalIdentity",
        details={"provider": provider.name, "reason": refusal.reason, "subject": subject},
    )
    db.session.flush()


def password_refusal(user: User) -> str | None:
    """Why this account may not sign in with its password here (staff, when the deployment has switched
    their passwords off for single sign-on), with its audit row; None when it may."""
    configured = providers()
    if can_sign_in_with_password(
        user,
        sso_on=bool(configured),
        staff_password_allowed=current_app.config["WAYMARK_PASSWORD_SIGNIN_FOR_STAFF"],
    ):
        return None
    record("login_refused", actor=user, obj=user, details={"reason": "password sign-in is off for staff"})
    db.session.flush()
    labels = " or ".join(f"“Sign in with {p.label}”" for p in configured)
    return f"Staff accounts sign in with single sign-on here, not with a Waymark password. Use {labels}."


def links_of(user: User) -> list[ExternalIdentity]:
    """The provider accounts that sign in to this account."""
    return list(
        db.session.scalars(
            select(ExternalIdentity).where(ExternalIdentity.user_id == user.id).order_by(ExternalIdentity.id)
        )
    )


def unlink(user: User, provider_name: str) -> ExternalIdentity | None:
    """Remove the link between this account and its account at the provider (say, replaced there), so the
    next sign-in with that provider links by verified address again; the removed link, or None."""
    identity = db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.user_id == user.id, ExternalIdentity.provider == provider_name
        )
    )
    if identity is None:
        return None
    record(
        "sso_unlinked",
        obj=identity,
        details={"provider": identity.provider, "subject": identity.subject, "email": user.email},
    )
    db.session.delete(identity)
    db.session.flush()
    return identity
