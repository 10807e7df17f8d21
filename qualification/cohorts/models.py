"""Cohorts: an intake of one award (or one CPD module), its people, allocation and session calendar."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db.enums import LabelledEnum
from core.db.locking import Versioned
from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from qualification.versions.models import QualificationVersion


class MemberRole(StrEnum):
    CANDIDATE = "candidate"
    TUTOR = "tutor"
    ASSESSOR = "assessor"
    IQA = "iqa"  # an internal quality assurer of this cohort


class SessionKind(LabelledEnum):
    TWILIGHT = "twilight", "Twilight session"
    DAY_RELEASE = "day_release", "Day release"
    HALF_DAY = "half_day", "Half-day release"
    ONLINE_LIVE = "online_live", "Online live session"

    @property
    def needs_release(self) -> bool:
        """Whether the candidate's school must release them (and may need supply cover)."""
        return self in (SessionKind.DAY_RELEASE, SessionKind.HALF_DAY)


class SessionStatus(LabelledEnum):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


# A cancelled session stays as a row (calendar apps are told through its feed entry); it is not reinstated.
SESSION_MOVES = Transitions.graph(
    SessionStatus, {SessionStatus.SCHEDULED: (SessionStatus.CANCELLED,)}, noun="This session"
)


class AllocationRule(LabelledEnum):
    """How a candidate who joins the cohort gets an assessor (the course leader chooses)."""

    EVEN = "even", "Even spread: the assessor with the fewest candidates gets the next one"
    MANUAL = "manual", "Manual: the course leader allocates each candidate"


class MemberStatus(LabelledEnum):
    """Where a candidate stands in the cohort over the year (staff rows stay active)."""

    ACTIVE = "active", "Studying"
    SUSPENDED = "suspended", "On a break in learning"
    WITHDRAWN = "withdrawn", "Withdrawn"
    TRANSFERRED = "transferred", "Transferred to another cohort"


# A break ends with a return (or a withdrawal). Withdrawn and transferred are final: the membership stays as
# the history of what happened (a transfer makes a new membership in the other cohort).
MEMBER_MOVES = Transitions.graph(
    MemberStatus,
    {
        MemberStatus.ACTIVE: (MemberStatus.SUSPENDED, MemberStatus.WITHDRAWN, MemberStatus.TRANSFERRED),
        MemberStatus.SUSPENDED: (MemberStatus.ACTIVE, MemberStatus.WITHDRAWN),
    },
    noun="This candidate",
    message="{noun} is {src} in this cohort, so they cannot be marked {dst}.",
)
# Memberships that have ended: what the candidate did there is kept, read-only.
LEFT = frozenset({MemberStatus.WITHDRAWN, MemberStatus.TRANSFERRED})

# The choices of the session form, in the enum's order.
SESSION_KIND_LABELS = {kind: kind.label for kind in SessionKind}


class Cohort(Versioned, db.Model):
    __tablename__ = "cohorts"
    __table_args__ = (
        # A cohort studies either one award or one module taken alone as CPD, never both.
        CheckConstraint("(award_code IS NULL) <> (module_code IS NULL)", name="award_or_module"),
        CheckConstraint("supply_cost_pence >= 0", name="supply_cost_positive"),
        CheckConstraint("turnaround_days BETWEEN 1 AND 120", name="turnaround_in_range"),
        CheckConstraint("allocation_rule IN ('even', 'manual')", name="allocation_rule_known"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version_id: Mapped[int] = mapped_column(ForeignKey("qualification_versions.id"), index=True)
    award_code: Mapped[str | None] = mapped_column(String(20))
    module_code: Mapped[str | None] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date)
    # The last day of the cohort's teaching year (optional: a CPD cohort may run open-ended).
    end_date: Mapped[date | None] = mapped_column(Date)
    # Until when candidates may change their optional modules (the study issue uses it).
    choice_deadline: Mapped[date | None] = mapped_column(Date)
    course_leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What a school pays for a day of supply cover (about £180 in the research); shown on release letters.
    supply_cost_pence: Mapped[int] = mapped_column(Integer, default=18000)
    # The course leader's target for judging a submission, in working days (weekdays, not bank holidays
    # or the cohort's closure days).
    turnaround_days: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    # How candidates who join get an assessor (AllocationRule); even spread unless the leader chooses manual.
    allocation_rule: Mapped[str] = mapped_column(String(12), default="even", server_default="even")
    # Published calendars are readable without signing in, at an unguessable address (calendar apps
    # cannot sign in); republishing makes a new address and the old one stops working.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    qualification_version: Mapped[QualificationVersion] = relationship()
    course_leader: Mapped[User | None] = relationship()
    members: Mapped[list[CohortMember]] = relationship(back_populates="cohort", cascade="all, delete-orphan")
    sessions: Mapped[list[CohortSession]] = relationship(
        back_populates="cohort", order_by="CohortSession.starts_at", cascade="all, delete-orphan"
    )
    closures: Mapped[list[CohortClosure]] = relationship(
        back_populates="cohort", order_by="CohortClosure.first_day", cascade="all, delete-orphan"
    )


class CohortClosure(db.Model):
    """Days the university is closed for this cohort (24 December to 2 January, say): like bank holidays,
    they are not working days, so turnaround clocks stop and no due date falls on them."""

    __tablename__ = "cohort_closures"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)  # the same day for a single closure day
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="closures")

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


class CohortMember(HasStatus, db.Model):
    __tablename__ = "cohort_members"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id", "role"),
        CheckConstraint("role IN ('candidate', 'tutor', 'assessor', 'iqa')", name="role_known"),
        # A cohort's candidates who have (not) withdrawn, counted from the index alone: the assessor queue's
        # test for unallocated candidates (assessors/queue/queries/allocated.py).
        Index("ix_cohort_members_cohort_id_role_status", "cohort_id", "role", "status"),
        status_check(MemberStatus),
    )
    TRANSITIONS = MEMBER_MOVES

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))
    # The candidate's school for this cohort (release letters are addressed to it).
    school: Mapped[str | None] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A candidate's standing (qualification/membership): breaks in learning are rows of learning_breaks.
    status: Mapped[MemberStatus] = status_column(
        MemberStatus, 12, default=MemberStatus.ACTIVE, server_default=MemberStatus.ACTIVE.value
    )
    # Kept for the retention period from this moment (the retention jobs read it).
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why they withdrew or moved, as the course leader gave it.
    left_reason: Mapped[str | None] = mapped_column(Text)
    # The membership a transferred candidate moved to (its added_at is when they moved).
    transferred_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort_members.id", ondelete="SET NULL")
    )

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")


class AssessorAllocation(db.Model):
    """Which assessor judges which candidate's work in a cohort."""

    __tablename__ = "assessor_allocations"
    __table_args__ = (
        UniqueConstraint("cohort_id", "candidate_id"),
        CheckConstraint("candidate_id <> assessor_id", name="not_self"),
        # An assessor's cohorts and candidates from the index alone: whether they have any allocation in a
        # cohort is one probe (the queue's cohorts), not a read of their 10,000 allocations.
        Index("ix_assessor_allocations_assessor_id_cohort_id", "assessor_id", "cohort_id", "candidate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id])


class CohortSession(HasStatus, Versioned, db.Model):
    """A meeting in the cohort's calendar: twilight, day release, half day or online."""

    __tablename__ = "cohort_sessions"
    __table_args__ = (
        CheckConstraint("kind IN ('twilight', 'day_release', 'half_day', 'online_live')", name="kind_known"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("sequence >= 0", name="sequence_positive"),
        status_check(SessionStatus),
    )
    TRANSITIONS = SESSION_MOVES

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    link: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None] = mapped_column(Integer)
    notes_md: Mapped[str] = mapped_column(Text, default="")
    # Module codes (of the cohort's version) this session serves, space-separated in document order.
    module_codes: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[SessionStatus] = status_column(
        SessionStatus, 10, default=SessionStatus.SCHEDULED, server_default="scheduled"
    )
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The iCalendar SEQUENCE: one more on every change people see, so subscribed calendars take the
    # change as a revision of the same event (same UID) rather than ignore it. Never goes down.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def modules(self) -> list[str]:
        return self.module_codes.split()

    @property
    def kind_enum(self) -> SessionKind:
        return SessionKind(self.kind)


@dataclass(frozen=True)
class CohortRoles:
    """Who holds which role in one cohort, and who is one candidate's allocated assessor there."""

    cohort_id: int | None = None
    candidate_id: int | None = None
    allocated_assessor_id: int | None = None
    course_leader_id: int | None = None
    # user id -> the MemberRole values they hold: the cohort's staff, and the candidate when one was asked for
    members: Mapping[int, frozenset[str]] = field(default_factory=dict)

    def ids_with(self, role: MemberRole) -> frozenset[int]:
        """The people holding this role in the cohort (candidates: only the one the context is for)."""
        return frozenset(uid for uid, held in self.members.items() if role in held)

    @property
    def iqa_ids(self) -> frozenset[int]:
        return self.ids_with(MemberRole.IQA)

    @property
    def tutor_ids(self) -> frozenset[int]:
        return self.ids_with(MemberRole.TUTOR)

    @property
    def assessor_ids(self) -> frozenset[int]:
        return self.ids_with(MemberRole.ASSESSOR)

    @property
    def leader_ids(self) -> frozenset[int]:
        """The cohort's own course leader (everyone with the course leader role oversees every cohort)."""
        return frozenset({self.course_leader_id} - {None})

    def roles_of(self, user) -> frozenset[str]:
        """The person's roles in this cohort, plus ALLOCATED when they are the candidate's assessor."""
        if user is None or not getattr(user, "is_authenticated", False):
            return frozenset()
        held = set(self.members.get(user.id, ()))
        if self.allocated_assessor_id is not None and user.id == self.allocated_assessor_id:
            held.add(ALLOCATED)
        if user.id in self.leader_ids:
            held.add(LEADER)
        return frozenset(held)


ALLOCATED = "allocated_assessor"  # not a MemberRole: it is a relation between an assessor and one candidate
LEADER = "course_leader"
NO_COHORT = CohortRoles()
