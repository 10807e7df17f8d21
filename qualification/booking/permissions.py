"""Who may book places in a cohort's sessions, and who records attendance (pure predicates)."""

from __future__ import annotations

from qualification.cohorts.models import Cohort, MemberRole
from qualification.permissions import is_cohort_staff


def can_book_sessions(user, cohort: Cohort) -> bool:
    """Book (and cancel) places in the cohort's sessions, and wait for one: its candidates."""
    return user.is_authenticated and any(
        m.user_id == user.id and m.role == MemberRole.CANDIDATE for m in cohort.members
    )


def can_record_attendance(user, cohort: Cohort) -> bool:
    """Record who came to a session: the cohort's tutors and assessors, and course leaders."""
    return user.is_authenticated and is_cohort_staff(user, cohort)
