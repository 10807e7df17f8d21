"""Who may do what with accounts. Pure predicates: no queries, no side effects."""

from __future__ import annotations

from core.accounts.models import Role

# Course leaders run cohorts: they bring in candidates and the staff who assess and moderate them.
COURSE_LEADER_INVITES = frozenset(
    {Role.CANDIDATE, Role.ASSESSOR, Role.IQA, Role.EXAMINER, Role.COURSE_LEADER}
)


def can_manage_accounts(user) -> bool:
    """List, search, disable and re-enable accounts, and change roles."""
    return user.is_authenticated and user.has_role(Role.ADMIN)


def can_invite(user, role: Role | str | None = None) -> bool:
    """Invite someone (with this role, when given)."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.ADMIN):
        return True
    if not user.has_role(Role.COURSE_LEADER):
        return False
    return role is None or Role(role) in COURSE_LEADER_INVITES


def invitable_roles(user) -> list[Role]:
    """The roles this person may invite others with, in display order."""
    return [r for r in Role if can_invite(user, r)]


def can_disable(actor, target) -> bool:
    """Disable or re-enable an account; never one's own, so an admin cannot lock everyone out."""
    return can_manage_accounts(actor) and actor.id != target.id


def can_change_roles(actor, target) -> bool:
    """Change which roles an account holds."""
    return can_manage_accounts(actor)


def can_view_outbox(user) -> bool:
    """Read the mail outbox (it holds invitation and reset links)."""
    return user.is_authenticated and user.has_role(Role.ADMIN)
