"""Booking places in cohort sessions, cancelling them, recording attendance, and the personal feed address."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import case, func, select

from core.accounts.models import Role
from core.audit.services import record
from core.db.timeutil import utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.notifications.models import Notification
from core.notifications.services import notify
from core.web.formatting import format_datetime
from modules.study.services import complete_by_attendance
from qualification.booking.models import BookingStatus, SessionBooking
from qualification.cohorts.models import Cohort, CohortMember, CohortSession, MemberRole
from qualification.membership.queries import require_writable
from qualification.permissions import is_cohort_staff

BOOKED = BookingStatus.BOOKED
CANCELLED = BookingStatus.CANCELLED
FEED_SALT = "bookings-feed"
MAX_FEED_TOKEN = 200


# Permissions -----------------------------------------------------------------------------------------


def can_book_sessions(user, cohort: Cohort) -> bool:
    """Book (and cancel) places in the cohort's sessions: its candidates."""
    return user.is_authenticated and any(
        m.user_id == user.id and m.role == MemberRole.CANDIDATE for m in cohort.members
    )


def can_record_attendance(user, cohort: Cohort) -> bool:
    """Record who came to a session: the cohort's tutors and assessors, and course leaders."""
    return user.is_authenticated and is_cohort_staff(user, cohort)


# Use cases -------------------------------------------------------------------------------------------


def _lock(session: CohortSession) -> CohortSession:
    """The session row, locked for the rest of the transaction, with its current capacity and times.

    PostgreSQL: FOR UPDATE makes bookings of one session wait for each other, so counting the places taken
    and then inserting cannot oversell (at READ COMMITTED two transactions would otherwise both count 29 of
    30). SQLite ignores FOR UPDATE: its write transactions are BEGIN IMMEDIATE, already serial.
    """
    return db.session.scalars(
        select(CohortSession)
        .where(CohortSession.id == session.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _booking_of(session_id: int, user_id: int) -> SessionBooking | None:
    return db.session.scalar(
        select(SessionBooking).where(
            SessionBooking.session_id == session_id, SessionBooking.candidate_id == user_id
        )
    )


def _own_booking(actor, session: CohortSession, started: str) -> tuple[CohortSession, SessionBooking | None]:
    """The session (locked) and the candidate's booking of it, refused once the session has started."""
    require(
        can_book_sessions(actor, session.cohort), "Only the cohort's candidates book places in its sessions."
    )
    require_writable(actor, session.cohort_id)
    session = _lock(session)
    if session.starts_at <= utcnow():
        raise InvalidTransition(started)
    return session, _booking_of(session.id, actor.id)


def _audit(action: str, actor, session: CohortSession, booking: SessionBooking, **details) -> None:
    db.session.flush()
    record(
        action,
        actor=actor,
        actor_role=MemberRole.CANDIDATE,
        obj=booking,
        details={"session_id": session.id, "cohort_id": session.cohort_id, **details},
    )


def _places(n: int) -> str:
    return f"{n} place" if n == 1 else f"{n} places"


def book_session(actor, session: CohortSession) -> SessionBooking:
    """Book the candidate a place; booking again changes nothing; a cancelled booking is reactivated."""
    started = "This session has already started, so it can no longer be booked."
    session, booking = _own_booking(actor, session, started)
    if booking is not None and booking.status == BOOKED:
        return booking
    if session.capacity is not None:
        taken = db.session.scalar(
            select(func.count(SessionBooking.id)).where(
                SessionBooking.session_id == session.id, SessionBooking.status == BOOKED
            )
        )
        if taken >= session.capacity:
            raise InvalidTransition(
                f"This session is full ({_places(session.capacity)}). Nothing was booked: choose another "
                "date, or ask your course leader whether a place comes free."
            )
    if booking is None:
        booking = SessionBooking(session_id=session.id, candidate_id=actor.id, status=BOOKED)
        db.session.add(booking)
    else:
        booking.move_to(BOOKED)
        booking.booked_at = utcnow()
        booking.cancelled_at = None
    _audit("session_booked", actor, session, booking, capacity=session.capacity)
    return booking


def cancel_booking(actor, session: CohortSession) -> SessionBooking | None:
    """Give the place back, until the session starts; cancelling twice (or unbooked) changes nothing."""
    started = (
        "This session has already started, so the booking can no longer be cancelled here. "
        "Tell your tutor if you could not come."
    )
    session, booking = _own_booking(actor, session, started)
    if booking is None or booking.status != BOOKED:
        return booking
    booking.move_to(CANCELLED)
    booking.cancelled_at = utcnow()
    _audit("session_booking_cancelled", actor, session, booking)
    return booking


@dataclass(frozen=True)
class AttendanceResult:
    newly_attended: list[int]
    activities_completed: int


def record_attendance(actor, session: CohortSession, attended_user_ids: Iterable[int]) -> AttendanceResult:
    """Record who came (booked or not); their matching session activities in the session's modules are done.

    Attendance is only ever added: it completes study activities, which a later untick could not undo.
    """
    cohort = session.cohort
    require(
        can_record_attendance(actor, cohort),
        "Only the cohort's tutors, assessors and course leaders record attendance.",
    )
    session = _lock(session)
    now = utcnow()
    if session.starts_at > now:
        raise InvalidTransition("Attendance can be recorded once the session has started.")
    wanted = sorted(set(attended_user_ids))
    candidates = {m.user_id for m in cohort.members if m.role == MemberRole.CANDIDATE}
    if any(uid not in candidates for uid in wanted):
        raise ValidationFailed({"attended": "Only the cohort's candidates can be marked as attending."})
    bookings = {
        b.candidate_id: b
        for b in db.session.scalars(select(SessionBooking).where(SessionBooking.session_id == session.id))
    }
    newly = []
    for uid in wanted:
        booking = bookings.get(uid)
        if booking is None:
            # Came without booking: the row is the record of attendance (it takes no place: it has passed).
            booking = SessionBooking(session_id=session.id, candidate_id=uid, status=BOOKED)
            db.session.add(booking)
        elif booking.status != BOOKED:
            booking.move_to(BOOKED)
            booking.cancelled_at = None
        if booking.attended_at is None:
            booking.attended_at = now
            booking.attendance_by_id = actor.id
            newly.append(uid)
    db.session.flush()
    family = cohort.qualification_version.qualification.code
    # Everyone ticked, not only the new ones: content added since an earlier save is completed too.
    completed = sum(
        complete_by_attendance(uid, family=family, module_codes=session.modules, session_kind=session.kind)
        for uid in wanted
    )
    record(
        "session_attendance_recorded",
        actor=actor,
        actor_role=_staff_role(actor, cohort),
        obj=session,
        details={
            "cohort_id": cohort.id,
            "attended": wanted,
            "newly_attended": newly,
            "activities_completed": completed,
        },
    )
    return AttendanceResult(newly, completed)


def _staff_role(actor, cohort: Cohort) -> str:
    roles = {m.role for m in cohort.members if m.user_id == actor.id and m.role != MemberRole.CANDIDATE}
    if MemberRole.TUTOR in roles:
        return MemberRole.TUTOR
    if MemberRole.ASSESSOR in roles:
        return MemberRole.ASSESSOR
    return Role.COURSE_LEADER if actor.has_role(Role.COURSE_LEADER) else Role.ADMIN


# Reading ---------------------------------------------------------------------------------------------


@dataclass
class SessionPlaces:
    """Booking figures of a cohort's sessions, for one viewer."""

    can_book: bool
    can_record: bool
    now: datetime
    taken: dict[int, int] = field(default_factory=dict)
    mine: set[int] = field(default_factory=set)

    def places_left(self, session: CohortSession) -> int | None:
        """None when the session has no limit."""
        if session.capacity is None:
            return None
        return max(session.capacity - self.taken.get(session.id, 0), 0)

    def is_booked(self, session: CohortSession) -> bool:
        return session.id in self.mine

    def has_started(self, session: CohortSession) -> bool:
        return session.starts_at <= self.now


def session_places(cohort: Cohort, user) -> SessionPlaces:
    """Places taken in each of the cohort's sessions and which the viewer booked, in one query."""
    places = SessionPlaces(
        can_book=can_book_sessions(user, cohort), can_record=can_record_attendance(user, cohort), now=utcnow()
    )
    if not cohort.sessions:
        return places
    booked = SessionBooking.status == BOOKED
    mine = booked & (SessionBooking.candidate_id == user.id)
    rows = db.session.execute(
        select(
            SessionBooking.session_id,
            func.sum(case((booked, 1), else_=0)),
            func.max(case((mine, 1), else_=0)),
        )
        .join(CohortSession, SessionBooking.session_id == CohortSession.id)
        .where(CohortSession.cohort_id == cohort.id)
        .group_by(SessionBooking.session_id)
    ).all()
    for session_id, taken, is_mine in rows:
        places.taken[session_id] = int(taken or 0)
        if is_mine:
            places.mine.add(session_id)
    return places


def booked_sessions(user_id: int, cohort_id: int | None = None) -> list[tuple[CohortSession, SessionBooking]]:
    """The sessions this person holds a place in (as a candidate still in the cohort), in date order."""
    query = (
        select(CohortSession, SessionBooking)
        .join(SessionBooking, SessionBooking.session_id == CohortSession.id)
        .join(
            CohortMember,
            (CohortMember.cohort_id == CohortSession.cohort_id)
            & (CohortMember.user_id == SessionBooking.candidate_id)
            & (CohortMember.role == MemberRole.CANDIDATE),
        )
        .where(SessionBooking.candidate_id == user_id, SessionBooking.status == BOOKED)
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


# The personal feed address ---------------------------------------------------------------------------


def _feed_serializer() -> URLSafeSerializer:
    # Its own salt: a value signed for any other purpose with the same key is not a valid feed address.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FEED_SALT)


def feed_token(user_id: int) -> str:
    """The unguessable part of a candidate's personal bookings feed address (an HMAC of their id)."""
    return _feed_serializer().dumps(user_id)


def feed_user_id(token: str) -> int | None:
    """Whose feed this address is, or None when the signature does not verify."""
    if not token or len(token) > MAX_FEED_TOKEN:
        return None
    try:
        value = _feed_serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


WINDOW = timedelta(hours=24)


def remind_upcoming_sessions(now: datetime) -> int:
    """Notify everyone booked on a session starting within a day, once per booking; return how many."""
    rows = db.session.execute(
        select(SessionBooking, CohortSession)
        .join(CohortSession, CohortSession.id == SessionBooking.session_id)
        .where(
            SessionBooking.status == BOOKED,
            CohortSession.starts_at > now,
            CohortSession.starts_at <= now + WINDOW,
        )
    ).all()
    sent = 0
    for booking, session in rows:
        # The kind names the session, so a second run (or a second server) never reminds twice.
        kind = f"session_reminder:{session.id}"
        already = db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == booking.candidate_id, Notification.kind == kind
            )
        )
        if already:
            continue
        where = session.place or "online"
        notify(
            booking.candidate_id,
            kind=kind,
            title=f"Reminder: {session.title}, {format_datetime(session.starts_at)}",
            body=f"{session.kind_enum.label}, {where}." + (f" Join: {session.link}" if session.link else ""),
            link_endpoint="qualification.cohorts.show_cohort",
            cohort_id=session.cohort_id,
        )
        sent += 1
    return sent
