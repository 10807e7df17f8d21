"""Who may do what with deadlines and extensions. Pure predicates: the cohort's members must be loaded."""

from __future__ import annotations

from qualification.cohorts.models import MemberRole
from qualification.permissions import can_manage_cohort, can_view_cohort


def _holds(user, cohort, role: MemberRole) -> bool:
    return any(m.user_id == user.id and m.role == role for m in cohort.members)


def can_set_deadlines(user, cohort) -> bool:
    """Set, move or remove the cohort's module deadlines: course leaders (and admins)."""
    return user.is_authenticated and can_manage_cohort(user, cohort)


def can_decide_extensions(user, cohort) -> bool:
    """Grant or refuse a candidate's extension: the cohort's tutors and course leaders (and admins)."""
    return user.is_authenticated and (
        can_manage_cohort(user, cohort) or _holds(user, cohort, MemberRole.TUTOR)
    )


def can_ask_for_extension(user, cohort) -> bool:
    """Ask for more time on a module: the cohort's candidates."""
    return user.is_authenticated and _holds(user, cohort, MemberRole.CANDIDATE)


def can_see_cohort_deadlines(user, cohort) -> bool:
    """See every deadline of the cohort and the candidates' extension requests: its staff (not candidates,
    who see their own deadlines only)."""
    return user.is_authenticated and can_view_cohort(user, cohort) and not can_ask_for_extension(user, cohort)


def can_read_extension(user, cohort, extension) -> bool:
    """One request and its decision: the candidate who asked, and the cohort's staff."""
    return extension.candidate_id == user.id or can_see_cohort_deadlines(user, cohort)


# The predicates the deadline pages ask in their templates (registered as Jinja globals by the blueprint).
TEMPLATE_PREDICATES = (can_ask_for_extension, can_decide_extensions, can_set_deadlines)
