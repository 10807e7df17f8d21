"""Account use cases: create, change password, disable, change roles. They flush; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from core.accounts.models import Role, User, UserRole
from core.accounts.permissions import can_change_roles, can_disable
from core.accounts.rules import PERSON_NAME, hash_password, password_problem, verify_password
from core.accounts.services.sessions import is_valid_email, normalise_email, revoke_sessions
from core.audit.services import record
from core.db.timeutil import utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db


def find_user_by_email(email: str) -> User | None:
    """The account with this email (case-insensitive), if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    password: str,
    roles: Iterable[Role],
    organisation: str | None = None,
) -> User:
    """Create an account (from the command line or an accepted invitation)."""
    email = normalise_email(email)
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not is_valid_email(email):
        errors["email"] = "Enter a valid email address."
    elif find_user_by_email(email) is not None:
        errors["email"] = "An account with that email address already exists."
    if problem := PERSON_NAME(name):
        errors["name"] = problem
    problem = password_problem(password, email=email, name=name)
    if problem:
        errors["password"] = problem
    role_list = sorted({Role(r) for r in roles})
    if not role_list:
        errors["roles"] = "Give the account at least one role."
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email,
        name=name,
        organisation=(organisation or "").strip()[:200] or None,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
    )
    user.role_rows = [UserRole(role=r.value) for r in role_list]
    db.session.add(user)
    db.session.flush()
    record(
        "user_created", actor=actor, obj=user, details={"email": email, "roles": [r.value for r in role_list]}
    )
    return user


def create_invited_user(
    actor: User,
    *,
    email: str,
    name: str,
    roles: Iterable[Role],
    organisation: str | None = None,
) -> User:
    """An account for someone just invited: it has no password, so it cannot sign in until they join."""
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        organisation=(organisation or "").strip()[:200] or None,
        password_hash=None,
    )
    user.role_rows = [UserRole(role=Role(r).value) for r in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    record(
        "user_invited",
        actor=actor,
        obj=user,
        details={"email": user.email, "roles": [r.value for r in user.roles]},
    )
    return user


def change_password(user: User, *, current: str, new: str, keep_raw: str | None) -> int:
    """Change one's own password; every other signed-in browser is signed out. Returns how many."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed({"current_password": "That is not your current password."})
    problem = password_problem(new, email=user.email, name=user.name)
    if problem:
        raise ValidationFailed({"new_password": problem})
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    ended = revoke_sessions(user, keep_raw=keep_raw)
    record("password_changed", actor=user, obj=user, details={"sessions_ended": ended})
    db.session.flush()
    return ended


def set_disabled(actor: User, target: User, *, disabled: bool) -> None:
    """Disable an account (its sessions end at once) or re-enable it."""
    require(can_disable(actor, target), "You cannot disable or re-enable this account.")
    if disabled == (target.disabled_at is not None):
        raise InvalidTransition("That account is already " + ("disabled." if disabled else "enabled."))
    target.disabled_at = utcnow() if disabled else None
    ended = revoke_sessions(target) if disabled else 0
    record(
        "user_disabled" if disabled else "user_enabled",
        actor=actor,
        actor_role=Role.ADMIN,
        obj=target,
        details={"sessions_ended": ended},
    )
    db.session.flush()


def set_roles(actor: User, target: User, roles: Iterable[Role | str], *, expected_version: int) -> None:
    """Replace the roles an account holds; refused if someone else changed the account meanwhile."""
    require(can_change_roles(actor, target), "You cannot change this account's roles.")
    if target.version != expected_version:
        raise InvalidTransition(
            "Someone else changed this account since you opened it. "
            "Reload to see their change, then try again."
        )
    new = {Role(r) for r in roles}
    if not new:
        raise ValidationFailed({"roles": "Give the account at least one role, or disable it instead."})
    if actor.id == target.id and Role.ADMIN not in new:
        raise ValidationFailed({"roles": "You cannot remove your own administrator role."})
    old = set(target.roles)
    if new == old:
        return
    target.role_rows = [row for row in target.role_rows if Role(row.role) in new] + [
        UserRole(role=r.value) for r in sorted(new - old)
    ]
    # Touch the row even though only child rows changed: the UPDATE bumps the version column
    # (WHERE version = old), so a concurrent or stale second edit is refused, never merged.
    target.updated_at = utcnow()
    record(
        "roles_changed",
        actor=actor,
        actor_role=Role.ADMIN,
        obj=target,
        details={"before": sorted(r.value for r in old), "after": sorted(r.value for r in new)},
    )
    db.session.flush()


def grant_role(actor: User | None, target: User, role: Role, *, actor_role: Role | None = None) -> bool:
    """Add one role to an account; returns False when it already held it."""
    if target.has_role(role):
        return False
    before = sorted(r.value for r in target.roles)
    target.role_rows.append(UserRole(role=role.value))
    target.updated_at = utcnow()
    record(
        "roles_changed",
        actor=actor,
        actor_role=actor_role,
        obj=target,
        details={"before": before, "after": sorted([*before, role.value])},
    )
    db.session.flush()
    return True
