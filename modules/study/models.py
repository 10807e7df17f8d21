"""Who studies which module, and what they have done: completion, knowledge checks, drafts, position, time."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.paging import keyset_index
from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from modules.catalogue.models import Module
from modules.content.models import Activity


class EnrolmentStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


# A withdrawn enrolment comes back when the module is chosen again (its progress is kept).
ENROLMENT_MOVES = Transitions.back_and_forth(
    EnrolmentStatus, EnrolmentStatus.ACTIVE, EnrolmentStatus.WITHDRAWN, noun="This enrolment"
)


_ACTIVE = "status = 'active'"


class ModuleEnrolment(HasStatus, db.Model):
    """A candidate studying one module (a revision of it), through a cohort's pathway or as CPD."""

    __tablename__ = "module_enrolments"
    __table_args__ = (
        UniqueConstraint("candidate_id", "family", "module_code"),
        status_check(EnrolmentStatus),
        # The assessor queue reads modules waiting for an observation to be planned in this order.
        keyset_index("ix_module_enrolments_active", "enrolled_at", "id", where=_ACTIVE),
    )
    TRANSITIONS = ENROLMENT_MOVES

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    # The cohort it came from. A table-level reference only: modules/ never imports the cohort model.
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    status: Mapped[EnrolmentStatus] = status_column(EnrolmentStatus, 10, default=EnrolmentStatus.ACTIVE)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship(lazy="joined")


class ActivityRecord:
    """A row about one person's work on one activity; it goes when either does."""

    # First in each table, as the migrations made them.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, sort_order=-1
    )
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True, sort_order=-1
    )


class ActivityCompletion(ActivityRecord, db.Model):
    __tablename__ = "activity_completions"
    __table_args__ = (
        UniqueConstraint("user_id", "activity_id"),
        CheckConstraint("how IN ('auto', 'manual', 'attendance')", name="how_known"),
    )

    how: Mapped[str] = mapped_column(String(10))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class QuizAttempt(ActivityRecord, db.Model):
    """One try at a knowledge check; retakes are allowed and the best score is the one that counts."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= max_score", name="score_range"),)

    score: Mapped[int] = mapped_column(Integer)
    max_score: Mapped[int] = mapped_column(Integer)
    # {question id: [chosen option ids]}, to show the marked answers again.
    answers_json: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ReflectionDraft(ActivityRecord, db.Model):
    """The candidate's answer to a reflective task, saved as they type; `revision` guards against old tabs."""

    __tablename__ = "reflection_drafts"
    __table_args__ = (UniqueConstraint("user_id", "activity_id"),)

    text: Mapped[str] = mapped_column(Text, default="")
    # Increases with every save; a save based on an older revision never overwrites a newer one.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # When the candidate said "this is my answer" (it then goes to the portfolio, issue 5).
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    activity: Mapped[Activity] = relationship()


class DraftRecovery(db.Model):
    """Text that was not saved because a newer draft existed: kept so the candidate can copy it back."""

    __tablename__ = "draft_recoveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("reflection_drafts.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    based_on_revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StudyPosition(db.Model):
    """Where the candidate stopped in a module: the activity and the part of the page."""

    __tablename__ = "study_positions"
    __table_args__ = (UniqueConstraint("user_id", "family", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(20))
    module_code: Mapped[str] = mapped_column(String(20))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    anchor: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class StudyLog(db.Model):
    """Time the candidate says they studied, against the notional hours of their credits."""

    __tablename__ = "study_logs"
    __table_args__ = (CheckConstraint("minutes BETWEEN 1 AND 720", name="minutes_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    studied_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    module_code: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
