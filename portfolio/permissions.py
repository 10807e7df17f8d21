"""Who may see and change portfolio evidence. Pure predicates over already-loaded rows.

A candidate sees only their own portfolio. What was *submitted* is seen by the candidate, their allocated
assessor, course leaders and admins, and internal quality assurers (external examiners get time-limited
access with the assessment issue).
"""

from __future__ import annotations

from core.accounts.roles import Role


def owns(user, item) -> bool:
    """The item is the person's own evidence."""
    return user.is_authenticated and item is not None and item.owner_id == user.id


def can_edit_item(user, item) -> bool:
    """Change, map, tag or delete an item (its owner, while it is not deleted)."""
    return owns(user, item) and item.deleted_at is None


def can_view_submission(user, submission, allocated_assessor_id: int | None) -> bool:
    """See a submitted snapshot: the candidate, their allocated assessor, IQAs, course leaders, admins."""
    if not user.is_authenticated or submission is None:
        return False
    if submission.candidate_id == user.id:
        return True
    if allocated_assessor_id is not None and allocated_assessor_id == user.id:
        return True
    return user.has_role(Role.IQA, Role.COURSE_LEADER, Role.ADMIN)


def can_submit(user, candidate_id: int) -> bool:
    """Submit a module for assessment: only the candidate themself."""
    return user.is_authenticated and user.id == candidate_id and user.has_role(Role.CANDIDATE)


def can_use_portfolio(user) -> bool:
    """Keep a portfolio, submit modules and claim prior learning (candidates)."""
    return user.is_authenticated and user.has_role(Role.CANDIDATE)
