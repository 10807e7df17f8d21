"""Who may hold a cohort's exam board and revoke what it issued. Pure predicates."""

from __future__ import annotations

from qualification.permissions import can_manage_cohort


def can_hold_board(user, cohort) -> bool:
    """Hold the cohort's exam board, and read its past boards and certificates: course leaders (and
    admins)."""
    return user.is_authenticated and can_manage_cohort(user, cohort)


def can_revoke_certificate(user, certificate) -> bool:
    """Revoke a valid certificate (an appeal upheld, malpractice): course leaders (and admins)."""
    return certificate.is_valid and can_hold_board(user, certificate.cohort)


# The predicates the board's pages and the cohort page ask in their templates (Jinja globals).
TEMPLATE_PREDICATES = (can_hold_board, can_revoke_certificate)
