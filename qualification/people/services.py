"""Invitations of a cohort's candidates: send a fresh link, or withdraw the invitation of someone who has not
joined (they are taken off the cohort: they never studied, so nothing of theirs is lost)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from core.accounts.models import User
from core.accounts.services.invitations import resend_invitation, revoke_invitation
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from modules.study.services import withdraw
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole
from qualification.cohorts.services import audit_cohort
from qualification.people.queries import other_cohorts
from qualification.permissions import can_manage_cohort

NOT_LEADER = "Only course leaders can change invitations."


def _candidate(cohort: Cohort, user_id: int | None) -> CohortMember:
    member = next(
        (m for m in cohort.members if m.user_id == user_id and m.role == MemberRole.CANDIDATE), None
    )
    if member is None:
        raise ValidationFailed("That person is not a candidate of this cohort. Reload the page.")
    return member


def resend_candidate_invitation(actor, cohort: Cohort, user_id: int | None) -> User:
    """Email a candidate who has not joined yet a fresh link (their older links stop working)."""
    require(can_manage_cohort(actor, cohort), NOT_LEADER)
    member = _candidate(cohort, user_id)
    resend_invitation(actor, member.user)
    return member.user


@dataclass(frozen=True)
class Withdrawn:
    user: User
    other_cohorts: list[str]  # where they are still a member: their link keeps working for those


def withdraw_candidate_invitation(actor, cohort: Cohort, user_id: int | None) -> Withdrawn:
    """Take a candidate who has not joined off the cohort; their link stops working unless another cohort
    still expects them."""
    require(can_manage_cohort(actor, cohort), NOT_LEADER)
    member = _candidate(cohort, user_id)
    user = member.user
    if user.has_joined:
        raise InvalidTransition(
            f"{user.name} has already joined, so there is no invitation to withdraw: they sign in with their "
            "own password."
        )
    elsewhere = other_cohorts(cohort, user.id)
    if not elsewhere:
        revoke_invitation(actor, user)
    family = cohort.qualification_version.qualification.code
    codes = db.session.scalars(
        select(ModuleEnrolment.module_code).where(
            ModuleEnrolment.candidate_id == user.id,
            ModuleEnrolment.cohort_id == cohort.id,
            ModuleEnrolment.status == EnrolmentStatus.ACTIVE,
        )
    ).all()
    withdraw(user.id, family=family, module_codes=codes)
    db.session.execute(
        delete(AssessorAllocation).where(
            AssessorAllocation.cohort_id == cohort.id, AssessorAllocation.candidate_id == user.id
        )
    )
    cohort.members.remove(member)
    db.session.flush()
    audit_cohort(
        "cohort_invitation_withdrawn",
        actor,
        cohort,
        user_id=user.id,
        email=user.email,
        link_stopped=not elsewhere,
        still_in=elsewhere,
    )
    return Withdrawn(user, elsewhere)
