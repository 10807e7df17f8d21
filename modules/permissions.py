"""Who may study and who may author module content. Pure predicates."""

from core.accounts.models import Role
from core.web.access import roles
from modules.study.models import EnrolmentStatus


def can_author_content(user) -> bool:
    """Write and arrange a module's sections, activities and questions (course leaders, tutors, admins).

    Tutors are the assessors (domain.md: "Assessor (tutor)").
    """
    return user.is_authenticated and user.has_role(Role.COURSE_LEADER, Role.ADMIN, Role.ASSESSOR)


def can_study(user, enrolment) -> bool:
    """Study a module: only the person enrolled on it, while the enrolment is active."""
    return (
        enrolment is not None
        and enrolment.candidate_id == user.id
        and enrolment.status == EnrolmentStatus.ACTIVE
    )


def can_plan_study(user) -> bool:
    """Use the study planner and log study time (candidates)."""
    return user.is_authenticated and user.has_role(Role.CANDIDATE)


CANDIDATES = roles(Role.CANDIDATE)
