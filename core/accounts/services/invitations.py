"""Invitations (7 days, single use) and password resets (1 hour, single use)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from core.accounts.models import Invitation, PasswordReset, Role, User
from core.accounts.permissions import can_invite
from core.accounts.rules import PERSON_NAME, hash_password, hash_token, new_token, password_problem
from core.accounts.services.accounts import create_invited_user, create_user, find_user_by_email, grant_role
from core.accounts.services.sessions import (
    check_throttle,
    clear_login_failures,
    is_valid_email,
    normalise_email,
    note_attempt,
    revoke_sessions,
)
from core.audit.services import record
from core.db.timeutil import utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.mail.rules import SECRET
from core.mail.services import queue_template_mail
from core.web.urls import absolute_url

INVITATION_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
RESETS_PER_ACCOUNT = 3
RESETS_PER_ADDRESS = 20
REPLACED = "This invitation was replaced by a newer one. Use the link in the latest email."
WITHDRAWN = "This invitation was withdrawn. Ask your course leader if you think that is a mistake."


class TokenUnusable(Exception):
    """The link is unknown, expired, already used or withdrawn; the message says which, in words."""


def _acting_role(actor: User) -> Role:
    return Role.ADMIN if actor.has_role(Role.ADMIN) else Role.COURSE_LEADER


@dataclass(frozen=True)
class Joining:
    """Where an invited person is going, in words, for the email: a cohort and what it studies."""

    cohort: str
    studies: str


@dataclass(frozen=True)
class InviteOutcome:
    """What an invitation did: the account (new or existing), and the emailed invitation if one was sent."""

    user: User
    invitation: Invitation | None
    granted: bool  # a role was added to an account that had already joined


def invite(
    actor: User,
    *,
    email: str,
    name: str,
    role: Role,
    organisation: str | None = None,
    already_ok: bool = False,
    joining: Joining | None = None,
) -> InviteOutcome:
    """Invite a person with a role.

    A new address gets an account at once (it cannot sign in until its owner chooses a password through
    the emailed link), so course leaders can put invited people into cohorts and allocate assessors before
    they join. An account that has joined just gains the role. Inviting someone who has not joined yet
    sends a fresh link. With already_ok, a joined account that already holds the role is not an error.
    `joining` names the cohort and qualification in the email (core knows no cohorts; the caller does).
    """
    role = Role(role)
    require(can_invite(actor, role), f"You cannot invite people as {role.label.lower()}.")
    email = normalise_email(email)
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not is_valid_email(email):
        errors["email"] = "Enter a valid email address."
    if not name or len(name) > 200:
        errors["name"] = "Enter the person's name (up to 200 characters)."
    if errors:
        raise ValidationFailed(errors)

    user = find_user_by_email(email)
    if user is not None and not user.is_active:
        raise ValidationFailed(
            {"email": "That person's account is disabled. An administrator can re-enable it."}
        )
    if user is not None and user.has_joined:
        added = grant_role(actor, user, role, actor_role=_acting_role(actor))
        if not added and not already_ok:
            raise ValidationFailed({"email": f"{user.name} already has the {role.label.lower()} role."})
        if added:
            queue_template_mail(
                user.email,
                f"You now have the {role.label.lower()} role in Waymark",
                "core/accounts/mail/role_granted",
                category="role_granted",
                user=user,
                actor=actor,
                role=role.label.lower(),
                joining=joining,
                link=absolute_url("core.accounts.login"),
            )
        return InviteOutcome(user, None, granted=added)
    if user is None:
        user = create_invited_user(actor, email=email, name=name, roles=[role], organisation=organisation)
    else:
        grant_role(actor, user, role, actor_role=_acting_role(actor))
    return InviteOutcome(user, _send_invitation(actor, user, role, joining), granted=False)


def _send_invitation(actor: User, user: User, role: Role, joining: Joining | None = None) -> Invitation:
    # A new invitation replaces any still pending for this address, so only the newest link works.
    now = utcnow()
    db.session.execute(
        update(Invitation)
        .where(Invitation.email == user.email, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    raw, hashed = new_token()
    invitation = Invitation(
        token_hash=hashed,
        email=user.email,
        name=user.name,
        role=role.value,
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    queue_template_mail(
        user.email,
        f"You are invited to join {joining.cohort} on Waymark" if joining else "You are invited to Waymark",
        "core/accounts/mail/invitation",
        category="invitation",
        user=user,
        actor=actor,
        role=role.label.lower(),
        joining=joining,
        link=absolute_url("core.accounts.accept_invitation", token=SECRET),
        secret=raw,
        days=INVITATION_LIFETIME.days,
    )
    record(
        "invitation_sent",
        actor=actor,
        actor_role=_acting_role(actor),
        obj=invitation,
        details={"email": user.email, "role": role.value},
    )
    return invitation


def _invited_role(user: User) -> Role:
    """The role the person was last invited with (a candidate's, when no invitation is left)."""
    role = db.session.scalar(
        select(Invitation.role)
        .where(Invitation.email == user.email)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(1)
    )
    return Role(role) if role else (user.roles[0] if user.roles else Role.CANDIDATE)


def _not_joined(actor: User, user: User, role: Role) -> None:
    require(can_invite(actor, role), f"You cannot invite people as {role.label.lower()}.")
    if user.has_joined:
        raise InvalidTransition(f"{user.name} has already joined: they sign in with their own password.")
    if not user.is_active:
        raise InvalidTransition(f"{user.name}'s account is disabled. An administrator can re-enable it.")


def resend_invitation(actor: User, user: User) -> Invitation:
    """Email a person who has not joined yet a fresh link (7 days again); their older links stop working."""
    role = _invited_role(user)
    _not_joined(actor, user, role)
    return _send_invitation(actor, user, role)


def revoke_invitation(actor: User, user: User) -> int:
    """Stop a person's pending invitation links working (they have not joined); returns how many."""
    role = _invited_role(user)
    _not_joined(actor, user, role)
    revoked = db.session.execute(
        update(Invitation)
        .where(Invitation.email == user.email, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    record(
        "invitation_revoked",
        actor=actor,
        actor_role=_acting_role(actor),
        obj=user,
        details={"email": user.email, "links": revoked},
    )
    db.session.flush()
    return revoked


def usable_invitation(raw: str) -> Invitation:
    """The invitation this link refers to, if it can still be used; otherwise TokenUnusable."""
    try:
        return _unused(
            Invitation,
            raw,
            unknown="This invitation link is not valid. Check that you copied the whole link.",
            used="This invitation has already been used. Sign in with the password you chose.",
            revoked=REPLACED,
            expired="This invitation has expired. Ask your course leader to invite you again.",
        )
    except TokenUnusable as exc:
        if str(exc) == REPLACED and not _newer_invitation(raw):
            raise TokenUnusable(WITHDRAWN) from None
        raise


def _newer_invitation(raw: str) -> bool:
    """Whether a later invitation to the same address, still standing, replaced this one (rather than the
    invitations to that address having been withdrawn)."""
    row = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(raw or "")))
    if row is None:
        return False
    newest = db.session.scalar(
        select(Invitation).where(Invitation.email == row.email).order_by(Invitation.id.desc()).limit(1)
    )
    return newest.id != row.id and newest.revoked_at is None


def _unused(model, raw: str, *, unknown: str, used: str, expired: str, revoked: str | None = None):
    # The single-use link row the raw token names, or TokenUnusable saying in words what is wrong with it.
    row = db.session.scalar(select(model).where(model.token_hash == hash_token(raw or "")))
    if row is None:
        raise TokenUnusable(unknown)
    if row.used_at is not None:
        raise TokenUnusable(used)
    if revoked is not None and row.revoked_at is not None:
        raise TokenUnusable(revoked)
    if row.expires_at <= utcnow():
        raise TokenUnusable(expired)
    return row


def _claim(model, row_id: int) -> None:
    # The single-use guarantee: only one transaction can move used_at from NULL, even on a double click.
    result = db.session.execute(
        update(model).where(model.id == row_id, model.used_at.is_(None)).values(used_at=utcnow())
    )
    if result.rowcount != 1:
        raise TokenUnusable("This link has already been used.")


def accept_invitation(raw: str, *, name: str, password: str) -> User:
    """Let the invited person choose their name and password: the account becomes usable."""
    invitation = usable_invitation(raw)
    user = find_user_by_email(invitation.email)
    if user is not None and user.has_joined:
        raise TokenUnusable("An account with this email address already exists. Sign in instead.")
    if user is not None and not user.is_active:
        raise TokenUnusable("This account is disabled. Contact your administrator.")
    name = (name or "").strip() or invitation.name
    problem = password_problem(password, email=invitation.email, name=name)
    if problem:
        raise ValidationFailed({"password": problem})
    if problem := PERSON_NAME(name):
        raise ValidationFailed({"name": problem})
    _claim(Invitation, invitation.id)
    if user is None:
        # The account was removed after the invitation was sent: make it again from the invitation.
        user = create_user(
            None, email=invitation.email, name=name, password=password, roles=[Role(invitation.role)]
        )
    else:
        user.name = name
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
    record("invitation_accepted", actor=user, obj=invitation, details={"role": invitation.role})
    db.session.flush()
    # The areas act on someone joining in the same transaction (a cohort allocates its new candidate an
    # assessor by its rule), registered by the composition root so core imports no area.
    for on_joining in current_app.extensions.get("waymark_on_joining", []):
        on_joining(user)
    return user


def request_password_reset(email: str, ip: str) -> None:
    """Email a reset link if the address belongs to an active account; say nothing either way."""
    email = normalise_email(email)
    check_throttle("reset", email, ip, per_account=RESETS_PER_ACCOUNT, per_address=RESETS_PER_ADDRESS)
    note_attempt("reset", email, ip)
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    raw, hashed = new_token()
    now = utcnow()
    db.session.add(
        PasswordReset(token_hash=hashed, user_id=user.id, created_at=now, expires_at=now + RESET_LIFETIME)
    )
    queue_template_mail(
        user.email,
        "Reset your Waymark password",
        "core/accounts/mail/password_reset",
        category="password_reset",
        user=user,
        link=absolute_url("core.accounts.reset_password", token=SECRET),
        secret=raw,
    )
    record("password_reset_requested", actor=user, obj=user)
    db.session.flush()


def usable_reset(raw: str) -> PasswordReset:
    """The reset this link refers to, if it can still be used; otherwise TokenUnusable."""
    reset = _unused(
        PasswordReset,
        raw,
        unknown="This reset link is not valid. Check that you copied the whole link.",
        used="This reset link has already been used. Ask for a new one if you need it.",
        expired="This reset link has expired (they last one hour). Ask for a new one.",
    )
    if not reset.user.is_active:
        raise TokenUnusable("This account is disabled. Contact your administrator.")
    return reset


def reset_password(raw: str, *, password: str) -> User:
    """Set a new password from a reset link; every signed-in browser of the account is signed out."""
    reset = usable_reset(raw)
    user = reset.user
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise ValidationFailed({"password": problem})
    _claim(PasswordReset, reset.id)
    # Older links stop working too: only the newest request should be able to change the password.
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    ended = revoke_sessions(user)
    # Only the owner can finish a reset (the link went to their inbox), so it lifts every wait on the
    # account: nobody can keep the owner out by typing wrong passwords.
    clear_login_failures(user.email)
    record("password_reset", actor=user, obj=user, details={"sessions_ended": ended})
    db.session.flush()
    return user
