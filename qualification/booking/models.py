"""A candidate's side of a cohort: the optional modules they chose, and the sessions they booked."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from qualification.cohorts.models import CohortSession


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    WAITING = "waiting"  # on the session's waiting list, in order of waiting_since


# A cancelled place can be booked again (by the candidate, or by a leader recording attendance); a full
# session's waiting list gives its places out in order as they come free.
BOOKING_MOVES = Transitions.graph(
    BookingStatus,
    {
        BookingStatus.BOOKED: (BookingStatus.CANCELLED,),
        BookingStatus.CANCELLED: (BookingStatus.BOOKED, BookingStatus.WAITING),
        BookingStatus.WAITING: (BookingStatus.BOOKED, BookingStatus.CANCELLED),
    },
    noun="This booking",
)


class SessionBooking(HasStatus, db.Model):
    __tablename__ = "session_bookings"
    __table_args__ = (
        UniqueConstraint("session_id", "candidate_id"),
        status_check(BookingStatus),
    )
    TRANSITIONS = BOOKING_MOVES

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[BookingStatus] = status_column(BookingStatus, 10, default=BookingStatus.BOOKED)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the candidate joined the waiting list: who is offered the next place.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attendance_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[CohortSession] = relationship()
    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])


class FeedAddress(db.Model):
    """Which generation of a person's personal feed address works: signed into the address, so getting a
    new one (a bumped generation) makes every older address stop working at once. No row: generation 0,
    the address every candidate had before addresses could be changed, which keeps working until then."""

    __tablename__ = "booking_feed_addresses"
    __table_args__ = (CheckConstraint("generation >= 0", name="generation_not_negative"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    generation: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
