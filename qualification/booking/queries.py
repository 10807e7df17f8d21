"""The read side of bookings: places taken and waiting lists of a cohort's sessions, a person's sessions,
and the attendance sheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select

from core.db.timeutil import utcnow
from core.extensions import db
from qualification.booking.models import BookingStatus, SessionBooking
from qualification.booking.permissions import can_book_sessions, can_record_attendance
from qualification.cohorts.models import Cohort, CohortMember, CohortSession, MemberRole

BOOKED = BookingStatus.BOOKED
WAITING = BookingStatus.WAITING


@dataclass
class SessionPlaces:
    """Booking figures of a cohort's sessions, for one viewer."""

    can_book: bool
    can_record: bool
    now: datetime
    taken: dict[int, int] = field(default_factory=dict)
    waiting: dict[int, int] = field(default_factory=dict)
    mine: set[int] = field(default_factory=set)
    # session id -> the viewer's place in its waiting list (1 is next)
    my_turn: dict[int, int] = field(default_factory=dict)

    def places_left(self, session: CohortSession) -> int | None:
        """None when the session has no limit."""
        if session.capacity is None:
            return None
        return max(session.capacity - self.taken.get(session.id, 0), 0)

    def is_booked(self, session: CohortSession) -> bool:
        return session.id in self.mine

    def waiting_turn(self, session: CohortSession) -> int | None:
        """The viewer's place in the session's waiting list, or None when they are not on it."""
        return self.my_turn.get(session.id)

    def has_started(self, session: CohortSession) -> bool:
        return session.starts_at <= self.now


def session_places(cohort: Cohort, user) -> SessionPlaces:
    """Places taken and waiting in each of the cohort's sessions and which the viewer booked, in one query
    (and one more for the viewer's place in the waiting lists they are on)."""
    places = SessionPlaces(
        can_book=can_book_sessions(user, cohort), can_record=can_record_attendance(user, cohort), now=utcnow()
    )
    if not cohort.sessions:
        return places
    booked, waiting = SessionBooking.status == BOOKED, SessionBooking.status == WAITING
    is_mine = SessionBooking.candidate_id == user.id
    rows = db.session.execute(
        select(
            SessionBooking.session_id,
            func.sum(case((booked, 1), else_=0)),
            func.sum(case((waiting, 1), else_=0)),
            func.max(case((booked & is_mine, 1), else_=0)),
            func.max(case((waiting & is_mine, 1), else_=0)),
        )
        .join(CohortSession, SessionBooking.session_id == CohortSession.id)
        .where(CohortSession.cohort_id == cohort.id)
        .group_by(SessionBooking.session_id)
    ).all()
    waited = []
    for session_id, taken, in_line, mine, mine_waiting in rows:
        places.taken[session_id] = int(taken or 0)
        places.waiting[session_id] = int(in_line or 0)
        if mine:
            places.mine.add(session_id)
        if mine_waiting:
            waited.append(session_id)
    if waited:
        places.my_turn = waiting_turns(user.id, waited)
    return places


def waiting_turns(user_id: int, session_ids: list[int]) -> dict[int, int]:
    """session id -> this person's place in its waiting list (first come, first served)."""
    ranked = (
        select(
            SessionBooking.session_id,
            SessionBooking.candidate_id,
            func.row_number()
            .over(
                partition_by=SessionBooking.session_id,
                order_by=(SessionBooking.waiting_since, SessionBooking.id),
            )
            .label("turn"),
        )
        .where(SessionBooking.session_id.in_(session_ids), SessionBooking.status == WAITING)
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.session_id, ranked.c.turn).where(ranked.c.candidate_id == user_id)
    ).all()
    return {session_id: int(turn) for session_id, turn in rows}


def booked_sessions(
    user_id: int, cohort_id: int | None = None, *, waiting: bool = False
) -> list[tuple[CohortSession, SessionBooking]]:
    """The sessions this person holds a place in (as a candidate still in the cohort), in date order;
    with `waiting`, also those whose waiting list they are on. Cancelled sessions are included: the
    person is told, and their calendar shows the event cancelled."""
    statuses = (BOOKED, WAITING) if waiting else (BOOKED,)
    query = (
        select(CohortSession, SessionBooking)
        .join(SessionBooking, SessionBooking.session_id == CohortSession.id)
        .join(
            CohortMember,
            (CohortMember.cohort_id == CohortSession.cohort_id)
            & (CohortMember.user_id == SessionBooking.candidate_id)
            & (CohortMember.role == MemberRole.CANDIDATE),
        )
        .where(SessionBooking.candidate_id == user_id, SessionBooking.status.in_(statuses))
        .order_by(CohortSession.starts_at, CohortSession.id)
    )
    if cohort_id is not None:
        query = query.where(CohortSession.cohort_id == cohort_id)
    return [(s, b) for s, b in db.session.execute(query).all()]


def attendance_sheet(session: CohortSession) -> list[tuple[CohortMember, SessionBooking | None]]:
    """The cohort's candidates with their booking of this session: booked ones first, then by name."""
    bookings = {
        b.candidate_id: b
        for b in db.session.scalars(select(SessionBooking).where(SessionBooking.session_id == session.id))
    }
    candidates = [m for m in session.cohort.members if m.role == MemberRole.CANDIDATE]

    def order(member: CohortMember):
        booking = bookings.get(member.user_id)
        return (booking is None or booking.status != BOOKED, member.user.name.lower(), member.user_id)

    return [(m, bookings.get(m.user_id)) for m in sorted(candidates, key=order)]
