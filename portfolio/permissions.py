"""Who may see and change portfolio evidence. Pure predicates over already-loaded rows.

A candidate sees only their own portfolio. What was *submitted* is seen by the candidate, their allocated
assessor, course leaders and admins, and the internal quality assurers of the submission's cohort (external
examiners read a sample through the assessment area's own pages, while their access lasts).
"""

from __future__ import annotations

from core.accounts.models import Role
from portfolio.apl.models import AplStatus
from portfolio.submissions.models import SubmissionStatus
from qualification.cohorts.models import ALLOCATED, CohortRoles, MemberRole


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


def can_view_submission(user, submission, cohort: CohortRoles) -> bool:
    """See a submitted snapshot: the candidate, their assessor, the cohort's IQAs, course leaders, admins."""
    if not user.is_authenticated or submission is None:
        return False
    return submission.candidate_id == user.id or _staff_may_read(user, cohort)


def can_view_claim(user, claim, cohort: CohortRoles) -> bool:
    """See a claim: the claimant, their assessor, the cohort's IQAs, course leaders and admins."""
    if not user.is_authenticated or claim is None:
        return False
    return claim.candidate_id == user.id or _staff_may_read(user, cohort)


def _staff_may_read(user, cohort: CohortRoles) -> bool:
    held = cohort.roles_of(user)
    if ALLOCATED in held:
        return True
    if MemberRole.IQA in held and user.has_role(Role.IQA):
        return True
    return user.has_role(Role.COURSE_LEADER, Role.ADMIN)


def can_submit(user, candidate_id: int) -> bool:
    """Submit a module for assessment: only the candidate themself."""
    return user.is_authenticated and user.id == candidate_id and user.has_role(Role.CANDIDATE)


def can_use_portfolio(user) -> bool:
    """Keep a portfolio, submit modules and claim prior learning (candidates)."""
    return user.is_authenticated and user.has_role(Role.CANDIDATE)


# The object's state included: the single source for the service, the view and the template -------------


def can_withdraw_now(user, submission) -> bool:
    """Take back the attempt now: the candidate, while it awaits assessment and marking has not started."""
    return (
        submission is not None
        and can_submit(user, submission.candidate_id)
        and submission.status == SubmissionStatus.SUBMITTED
        and submission.marking_started_at is None
    )


def can_send_claim_now(user, claim) -> bool:
    """Change the claim or send it to the assessor now: the claimant, while a draft or asked for more
    evidence."""
    return (
        claim is not None
        and user.is_authenticated
        and claim.candidate_id == user.id
        and claim.status in CLAIM_SENDABLE
    )


CLAIM_SENDABLE = (AplStatus.DRAFT, AplStatus.MORE_EVIDENCE)

# Registered once as Jinja globals by the area (portfolio/blueprints.py).
TEMPLATE_PREDICATES = (can_withdraw_now, can_send_claim_now)
