"""A cohort's submission deadline for each module, and the extensions candidates ask for.

A candidate's own deadline is the cohort's, or the latest date an extension granted them, moved on by the
days their learning was paused (`rules.personal_deadline`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db.enums import LabelledEnum
from core.db.locking import Versioned
from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from qualification.cohorts.models import Cohort


class ExtensionStatus(LabelledEnum):
    REQUESTED = "requested", "Waiting for a decision"
    GRANTED = "granted", "Granted"
    REFUSED = "refused", "Refused"


# A request is decided once; a candidate who needs more time again asks again (a new request).
EXTENSION_MOVES = Transitions.graph(
    ExtensionStatus,
    {ExtensionStatus.REQUESTED: (ExtensionStatus.GRANTED, ExtensionStatus.REFUSED)},
    noun="This extension request",
)
_OPEN = text("status = 'requested'")


class ModuleDeadline(Versioned, db.Model):
    """The date by which the cohort's candidates submit one module, set by the course leader."""

    __tablename__ = "module_deadlines"
    __table_args__ = (UniqueConstraint("cohort_id", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    module_code: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date)  # a UK date: work is on time until the end of that day
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()


class DeadlineExtension(HasStatus, Versioned, db.Model):
    """A candidate's request for more time on one module, and the tutor's or course leader's decision."""

    __tablename__ = "deadline_extensions"
    __table_args__ = (
        status_check(ExtensionStatus),
        CheckConstraint("status <> 'granted' OR granted_until IS NOT NULL", name="granted_has_date"),
        # One open request per candidate and deadline: a second click, or a second tab, asks nothing twice.
        Index(
            "uq_deadline_extensions_open",
            "deadline_id",
            "candidate_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )
    TRANSITIONS = EXTENSION_MOVES

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(
        ForeignKey("module_deadlines.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[ExtensionStatus] = status_column(ExtensionStatus, 10, default=ExtensionStatus.REQUESTED)
    reason: Mapped[str] = mapped_column(Text)
    proposed_until: Mapped[date] = mapped_column(Date)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    granted_until: Mapped[date | None] = mapped_column(Date)
    # The refusal's reason, or what the person who granted it wants the candidate to know.
    decision_note: Mapped[str] = mapped_column(Text, default="")

    deadline: Mapped[ModuleDeadline] = relationship()
    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class DeadlineReminder(db.Model):
    """A reminder sent (a week or a day before one candidate's deadline): the unique key sends it once,
    however often and on however many servers the reminder job runs. A moved deadline is a new date."""

    __tablename__ = "deadline_reminders"
    __table_args__ = (UniqueConstraint("deadline_id", "candidate_id", "due_on", "days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(
        ForeignKey("module_deadlines.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)  # before the deadline: 7 or 1 (rules.REMINDER_DAYS)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
