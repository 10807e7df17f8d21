"""The candidate's cohort panel on the home page: upcoming sessions, the options deadline."""

from __future__ import annotations

from sqlalchemy import select

from core.accounts.roles import Role
from core.extensions import db
from core.timeutil import utcnow
from qualification.models import Cohort, CohortMember, CohortSession, MemberRole


def cohort_panel(user) -> dict | None:
    """A candidate's cohorts, their next sessions and deadlines (a fixed number of queries)."""
    if not user.has_role(Role.CANDIDATE):
        return None
    cohorts = list(
        db.session.scalars(
            select(Cohort)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(CohortMember.user_id == user.id, CohortMember.role == MemberRole.CANDIDATE)
            .order_by(Cohort.start_date)
        )
    )
    if not cohorts:
        return None
    upcoming = list(
        db.session.scalars(
            select(CohortSession)
            .where(CohortSession.cohort_id.in_([c.id for c in cohorts]), CohortSession.ends_at >= utcnow())
            .order_by(CohortSession.starts_at)
            .limit(3)
        )
    )
    return {"template": "cohorts/_home_panel.html", "cohorts": cohorts, "upcoming": upcoming}
