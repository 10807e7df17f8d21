"""Enrolling a candidate through the API: the cohort page's own service does it; a request sent again (a
records system retrying after a timeout) finds the membership and changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from core.accounts.models import User
from core.accounts.services.sessions import normalise_email
from core.errors import require
from core.extensions import db
from qualification.cohorts.models import Cohort, CohortMember, MemberRole
from qualification.cohorts.services import invite_candidate
from qualification.permissions import can_manage_cohort


def _membership(cohort: Cohort, email: str) -> CohortMember | None:
    return db.session.scalar(
        select(CohortMember)
        .join(User, User.id == CohortMember.user_id)
        .where(
            CohortMember.cohort_id == cohort.id,
            CohortMember.role == MemberRole.CANDIDATE,
            User.email == normalise_email(email),
        )
    )


def enrol_candidate(
    actor, cohort: Cohort, *, name: str, email: str, school: str
) -> tuple[CohortMember, bool]:
    """The candidate's membership of the cohort, and whether it was made now: a new address is invited, an
    existing account added (`invite_candidate`, as the cohort page does). One already in the cohort is left
    as it is; unlike the page's "invite again", no fresh link replaces the one they were sent."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can enrol candidates.")
    member = _membership(cohort, email)
    if member is not None:
        return member, False
    user, _ = invite_candidate(actor, cohort, name=name, email=email, school=school)
    member = _membership(cohort, user.email)
    return member, True
