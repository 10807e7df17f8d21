"""Who may change someone's multi-factor sign-in. Pure predicates: no queries, no side effects."""

from __future__ import annotations

from core.accounts.permissions import can_manage_accounts


def can_reset_mfa(actor, target) -> bool:
    """Reset another person's second factors (they lost their phone); one's own is turned off, not reset."""
    return can_manage_accounts(actor) and actor.id != target.id
