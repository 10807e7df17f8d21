"""Who may do what with qualifications. Pure predicates."""

from core.accounts.roles import Role


def can_edit_qualifications(user) -> bool:
    """Create, import, edit and publish qualifications (course leaders and admins)."""
    return user.is_authenticated and user.has_role(Role.COURSE_LEADER, Role.ADMIN)
