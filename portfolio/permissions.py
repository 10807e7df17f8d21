"""Who may see and change portfolio evidence. Pure predicates over already-loaded rows.

A candidate sees only their own portfolio. What was *submitted* is seen by the candidate, their allocated
assessor, course leaders and admins, and the internal quality assurers of the submission's cohort (external
examiners read a sample through the assessment area's own pages, while their access lasts).
"""

from __future__ import annotations

from core.accounts.models import Role


def owns(user, item) -> bool:
    """The item is the person's own evidence."""
    return user.is_authenticated and item is not None and item.candidate_id == user.id


# Records an assessor or a witness wrote into the candidate's portfolio: the candidate maps and tags them,
# but cannot rewrite or remove what someone else signed.
SIGNED_RECORD_KINDS = frozenset({"observation", "testimony"})


def can_revise_item(user, item) -> bool:
    """Change an item's content or remove it: its owner, unless it is a record someone else signed."""
    return can_edit_item(user, item) and item.kind not in SIGNED_RECORD_KINDS


def can_edit_item(user, item) -> bool:
    """Change, map, tag or delete an item (its owner, while it is not deleted)."""
    return owns(user, item) and item.deleted_at is None


def can_view_submission(
    user, submission, allocated_assessor_id: int | None, is_cohort_iqa: bool = False
) -> bool:
    """See a submitted snapshot: the candidate, their assessor, the cohort's IQAs, course leaders, admins."""
    if not user.is_authenticated or submission is None:
        return False
    if submission.candidate_id == user.id:
        return True
    if allocated_assessor_id is not None and allocated_assessor_id == user.id:
        return True
    if is_cohort_iqa and user.has_role(Role.IQA):
        return True
    return user.has_role(Role.COURSE_LEADER, Role.ADMIN)


def can_submit(user, candidate_id: int) -> bool:
    """Submit a module for assessment: only the candidate themself."""
    return user.is_authenticated and user.id == candidate_id and user.has_role(Role.CANDIDATE)


def can_use_portfolio(user) -> bool:
    """Keep a portfolio, submit modules and claim prior learning (candidates)."""
    return user.is_authenticated and user.has_role(Role.CANDIDATE)
