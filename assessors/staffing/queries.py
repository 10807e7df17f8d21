"""What waits with one member of a cohort's staff: an assessor's candidates and queue, an IQA's reviews."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, union_all

from assessors.marking.models import Assessment, MarkingStatus
from assessors.queue.queries.sources import QueueFilters, sources
from core.accounts.models import User
from core.extensions import db
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole


@dataclass
class StaffWork:
    """One person's part in a cohort, in one role, and what waits with them there."""

    member: CohortMember
    candidates: list[User] = field(default_factory=list)  # allocated to them (assessors)
    waiting: int = 0  # items in their queue from this cohort (assessors)
    reviews: int = 0  # decisions waiting for IQA review in the cohort (IQAs)
    others: list[User] = field(default_factory=list)  # the cohort's other members in the same role

    @property
    def role(self) -> MemberRole:
        return MemberRole(self.member.role)

    @property
    def user(self) -> User:
        return self.member.user


def staff_member(cohort: Cohort, user_id: int, role: str) -> CohortMember | None:
    """The person's membership of the cohort in this staff role, if they hold it."""
    return next(
        (
            m
            for m in cohort.members
            if m.user_id == user_id and m.role == role and m.role != MemberRole.CANDIDATE
        ),
        None,
    )


def allocated_candidates(cohort_id: int, assessor_id: int) -> list[User]:
    """The candidates allocated to the assessor in the cohort, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(AssessorAllocation, AssessorAllocation.candidate_id == User.id)
            .where(AssessorAllocation.cohort_id == cohort_id, AssessorAllocation.assessor_id == assessor_id)
            .order_by(User.name, User.id)
        )
    )


def waiting_in_queue(cohort_id: int, assessor_id: int) -> int:
    """How many items of this cohort wait in the assessor's queue (the queue's own sources)."""
    branches = [
        query.with_only_columns(key[2].label("id"))
        for query, key in sources(assessor_id, QueueFilters(cohort_id=cohort_id))
    ]
    return db.session.scalar(select(func.count()).select_from(union_all(*branches).subquery()))


def reviews_waiting(cohort_id: int) -> int:
    """Decisions of the cohort waiting for an internal quality assurer's review."""
    return db.session.scalar(
        select(func.count())
        .select_from(Assessment)
        .where(Assessment.cohort_id == cohort_id, Assessment.status == MarkingStatus.IN_IQA_REVIEW)
    )


def staff_work(cohort: Cohort, member: CohortMember) -> StaffWork:
    """What waits with this member of staff, and who else holds their role in the cohort."""
    others = sorted(
        (m.user for m in cohort.members if m.role == member.role and m.user_id != member.user_id),
        key=lambda u: (u.name.casefold(), u.id),
    )
    work = StaffWork(member=member, others=others)
    if member.role == MemberRole.ASSESSOR:
        work.candidates = allocated_candidates(cohort.id, member.user_id)
        work.waiting = waiting_in_queue(cohort.id, member.user_id)
    elif member.role == MemberRole.IQA:
        work.reviews = reviews_waiting(cohort.id)
    return work
