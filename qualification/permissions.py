"""Who may do what with qualifications. Pure predicates."""

from __future__ import annotations

from collections.abc import Collection

from core.accounts.models import Role
from core.web.access import roles
from qualification.cohorts.models import ALLOCATED, LEFT, CohortRoles, MemberRole


def can_edit_qualifications(user) -> bool:
    """Create, import, edit and publish qualifications (course leaders and admins)."""
    return user.is_authenticated and user.has_role(Role.COURSE_LEADER, Role.ADMIN)


def can_manage_cohort(user, cohort=None) -> bool:
    """Set up a cohort: its people, allocation and calendar (course leaders and admins)."""
    return can_edit_qualifications(user)


def is_cohort_staff(user, cohort) -> bool:
    """A tutor or assessor of this cohort, or someone who manages cohorts."""
    if can_manage_cohort(user, cohort):
        return True
    return any(m.user_id == user.id and m.role in ("tutor", "assessor") for m in cohort.members)


def can_view_cohort(user, cohort) -> bool:
    """See the cohort's page and calendar: its staff and its candidates."""
    return is_cohort_staff(user, cohort) or any(m.user_id == user.id for m in cohort.members)


def can_view_transcript(user, cohort: CohortRoles) -> bool:
    """A candidate's transcript: the candidate, their assessor, the cohort's tutors and IQAs, leaders."""
    if not user.is_authenticated:
        return False
    held = cohort.roles_of(user)
    if user.id == cohort.candidate_id or ALLOCATED in held or can_manage_cohort(user):
        return True
    # Other assessors of the cohort do not: an assessor sees only the candidates allocated to them.
    return bool(held & {MemberRole.TUTOR, MemberRole.IQA})


def can_read_release_letter(user, cohort, member) -> bool:
    """A candidate's release letter: the candidate themself, or the cohort's staff."""
    return member.user_id == user.id or is_cohort_staff(user, cohort)


def is_read_only(statuses: Collection[str]) -> bool:
    """A candidate whose memberships have all ended (withdrawn, or moved on) may read their work, never
    change it; someone who was never a candidate is not concerned."""
    return bool(statuses) and all(status in LEFT for status in statuses)


# The route gates behind can_edit_qualifications and can_manage_cohort (the same people).
EDITORS = roles(Role.COURSE_LEADER, Role.ADMIN)
MANAGERS = EDITORS
