"""Who may sign in how. Pure predicates: no queries, no side effects."""

from __future__ import annotations

from core.accounts.models import Role


def is_staff(user) -> bool:
    """Whether the account holds any role other than candidate."""
    return any(role != Role.CANDIDATE for role in user.roles)


def can_sign_in_with_password(user, *, sso_on: bool, staff_password_allowed: bool) -> bool:
    """Sign in with a Waymark password: candidates always may; staff unless the deployment has single
    sign-on and has switched their passwords off (WAYMARK_PASSWORD_SIGNIN_FOR_STAFF=0)."""
    return staff_password_allowed or not sso_on or not is_staff(user)
