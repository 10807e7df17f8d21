"""Who may post and read a cohort's announcements. Pure predicates: the cohort's members must be loaded."""

from __future__ import annotations

from qualification.cohorts.models import MemberRole
from qualification.permissions import can_manage_cohort, can_view_cohort


def _holds(user, cohort, roles: set[str]) -> bool:
    return any(m.user_id == user.id and m.role in roles for m in cohort.members)


def can_announce(user, cohort) -> bool:
    """Post an announcement to the cohort: course leaders (and admins), and the cohort's tutors."""
    if not user.is_authenticated:
        return False
    return can_manage_cohort(user, cohort) or _holds(user, cohort, {MemberRole.TUTOR})


def can_read_every_announcement(user, cohort) -> bool:
    """The cohort's staff read them all, including those sent only to the candidates behind on a module."""
    if not user.is_authenticated:
        return False
    staff = {MemberRole.TUTOR, MemberRole.ASSESSOR, MemberRole.IQA}
    return can_manage_cohort(user, cohort) or _holds(user, cohort, staff)


def can_read_announcements(user, cohort) -> bool:
    """Read the cohort's announcements (each candidate those meant for them): its members and staff."""
    return user.is_authenticated and can_view_cohort(user, cohort)


TEMPLATE_PREDICATES = (can_announce, can_read_every_announcement)
