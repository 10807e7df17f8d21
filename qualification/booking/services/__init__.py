"""Booking places in cohort sessions, cancelling them, waiting lists, telling those booked, recording
attendance, and the personal feed address."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

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
from qualification.booking.permissions import can_book_sessions, can_record_attendance
from qualification.cohorts.models import Cohort, CohortSession, MemberRole, SessionStatus
from qualification.cohorts.queries import cohort_about
from qualification.membership.queries import require_writable

BOOKED = BookingStatus.BOOKED
CANCELLED = BookingStatus.CANCELLED
WAITING = BookingStatus.WAITING


# Use cases -------------------------------------------------------------------------------------------


def lock_session(session: CohortSession) -> CohortSession:
    """The session row, locked for the rest of the transaction, with its current capacity and times.

    PostgreSQL: FOR UPDATE makes bookings of one session wait for each other, so counting the places taken
    and then inserting cannot oversell (at READ COMMITTED two transactions would otherwise both count 29 of
    30), and a place that comes free goes to the waiting list before anyone else can book it. SQLite
    ignores FOR UPDATE: its write transactions are BEGIN IMMEDIATE, already serial.
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
    """The session (locked) and the candidate's booking of it, refused once the session has started or
    if it is cancelled."""
    require(
        can_book_sessions(actor, session.cohort), "Only the cohort's candidates book places in its sessions."
    )
    require_writable(actor, session.cohort_id)
    session = lock_session(session)
    if session.is_cancelled:
        raise InvalidTransition("This session is cancelled, so its places can no longer be changed.")
    if session.starts_at <= utcnow():
        raise InvalidTransition(started)
    return session, _booking_of(session.id, actor.id)


def _audit(action: str, actor, session: CohortSession, booking: SessionBooking, **details) -> None:
    db.session.flush()
    record(
        action,
        actor=actor,
        actor_role=details.pop("actor_role", MemberRole.CANDIDATE),
        obj=booking,
        details={"session_id": session.id, "cohort_id": session.cohort_id, **details},
    )


def _places(n: int) -> str:
    return f"{n} place" if n == 1 else f"{n} places"


def taken_places(session_id: int) -> int:
    return db.session.scalar(
        select(func.count(SessionBooking.id)).where(
            SessionBooking.session_id == session_id, SessionBooking.status == BOOKED
        )
    )


def _is_full(session: CohortSession) -> bool:
    return session.capacity is not None and taken_places(session.id) >= session.capacity


def book_session(actor, session: CohortSession) -> SessionBooking:
    """Book the candidate a place; booking again changes nothing; a cancelled booking is reactivated."""
    started = "This session has already started, so it can no longer be booked."
    session, booking = _own_booking(actor, session, started)
    if booking is not None and booking.status == BOOKED:
        return booking
    if _is_full(session):
        raise InvalidTransition(
            f"This session is full ({_places(session.capacity)}). Nothing was booked: join its waiting "
            "list to be given the next place that comes free, or choose another date."
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


def join_waiting_list(actor, session: CohortSession) -> SessionBooking:
    """Put the candidate on a full session's waiting list (last in line); with a place free, book it."""
    started = "This session has already started, so its waiting list is closed."
    locked, booking = _own_booking(actor, session, started)
    if booking is not None and booking.status in (BOOKED, WAITING):
        return booking
    if not _is_full(locked):
        return book_session(actor, locked)
    if booking is None:
        booking = SessionBooking(session_id=locked.id, candidate_id=actor.id, status=WAITING)
        db.session.add(booking)
    else:
        booking.move_to(WAITING)
        booking.cancelled_at = None
    booking.waiting_since = utcnow()
    _audit("session_waiting_list_joined", actor, locked, booking)
    return booking


def cancel_booking(actor, session: CohortSession) -> SessionBooking | None:
    """Give the place back, until the session starts: it goes to the first on the waiting list.
    Cancelling twice (or unbooked) changes nothing."""
    return _give_up(actor, session, BOOKED)


def leave_waiting_list(actor, session: CohortSession) -> SessionBooking | None:
    """Take the candidate off the session's waiting list; leaving twice (or never on it) changes nothing."""
    return _give_up(actor, session, WAITING)


def _give_up(actor, session: CohortSession, held: BookingStatus) -> SessionBooking | None:
    started = (
        "This session has already started, so the booking can no longer be cancelled here. "
        "Tell your tutor if you could not come."
    )
    session, booking = _own_booking(actor, session, started)
    if booking is None or booking.status != held:
        return booking
    _release(actor, session, booking)
    return booking


def _release(actor, session: CohortSession, booking: SessionBooking, **details) -> None:
    """Cancel a place or a waiting-list entry (the session locked): a place given back goes to the first on
    the waiting list, who is told."""
    held = booking.status
    booking.move_to(CANCELLED)
    booking.cancelled_at = utcnow()
    if held == WAITING:
        _audit("session_waiting_list_left", actor, session, booking, **details)
        return
    _audit("session_booking_cancelled", actor, session, booking, **details)
    give_free_places(actor, session, actor_role=details.get("actor_role", MemberRole.CANDIDATE))


def release_candidate(actor, cohort: Cohort, candidate_id: int, *, why: str) -> int:
    """A candidate who left the cohort (withdrawn, or moved to another) gives up their places and waiting-list
    entries in its sessions still to come, by the path of their own cancelling: each place freed goes to the
    next on the waiting list, who is told. How many were given up (the course leader acts: no candidate's
    permission or read-only check applies)."""
    held = db.session.scalars(
        select(SessionBooking)
        .join(CohortSession, CohortSession.id == SessionBooking.session_id)
        .where(
            SessionBooking.candidate_id == candidate_id,
            SessionBooking.status.in_((BOOKED, WAITING)),
            CohortSession.cohort_id == cohort.id,
            CohortSession.status != SessionStatus.CANCELLED,
            CohortSession.starts_at > utcnow(),
        )
        .order_by(CohortSession.starts_at, CohortSession.id)
    ).all()
    role = _staff_role(actor, cohort)
    for booking in held:
        session = lock_session(booking.session)
        _release(actor, session, booking, actor_role=role, candidate_id=candidate_id, reason=why)
    return len(held)


def give_free_places(actor, session: CohortSession, *, actor_role: str = MemberRole.CANDIDATE) -> list[int]:
    """Give the places now free to the waiting list, first come first served, and tell each person; the
    ids of those given a place. The caller holds the session's lock (`lock_session`) and has flushed."""
    if session.is_cancelled or session.starts_at <= utcnow():
        return []
    db.session.flush()
    waiting = (
        select(SessionBooking)
        .where(SessionBooking.session_id == session.id, SessionBooking.status == WAITING)
        .order_by(SessionBooking.waiting_since, SessionBooking.id)
    )
    if session.capacity is not None:
        free = session.capacity - taken_places(session.id)
        if free <= 0:
            return []
        waiting = waiting.limit(free)
    given = list(db.session.scalars(waiting))
    when = format_datetime(session.starts_at)
    for booking in given:
        booking.move_to(BOOKED)
        booking.booked_at = utcnow()
        _audit(
            "session_place_given",
            actor,
            session,
            booking,
            actor_role=actor_role,
            candidate_id=booking.candidate_id,
            waiting_since=booking.waiting_since.isoformat(),
        )
        _tell(
            booking.candidate_id,
            session,
            "session_place",
            f"A place came free: you are booked on {session.title}, {when}",
            "You were next on the waiting list, so the place is yours. If you can no longer come, cancel "
            "your booking so the next person gets it.",
        )
    return [b.candidate_id for b in given]


def _tell(candidate_id: int, session: CohortSession, kind: str, title: str, body: str) -> None:
    """Notify a candidate about a session (`kind` is per session), linking to it on the cohort's page."""
    notify(
        candidate_id,
        kind=f"{kind}:{session.id}",
        title=title,
        body=body,
        link_endpoint="qualification.cohorts.show_cohort",
        cohort_id=session.cohort_id,
        _anchor=f"session-{session.id}",
    )


def tell_booked(session: CohortSession, *, kind: str, title: str, body: str) -> int:
    """Notify everyone with a place in the session or on its waiting list (in-app, and by email as each
    person chose: quiet hours and digests apply); how many were told."""
    told = db.session.scalars(
        select(SessionBooking.candidate_id).where(
            SessionBooking.session_id == session.id, SessionBooking.status.in_((BOOKED, WAITING))
        )
    ).all()
    for candidate_id in told:
        _tell(candidate_id, session, kind, title, body)
    return len(told)


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
    session = lock_session(session)
    now = utcnow()
    if session.is_cancelled:
        raise InvalidTransition("This session was cancelled: there is no attendance to record.")
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


WINDOW = timedelta(hours=24)


def remind_upcoming_sessions(now: datetime) -> int:
    """Notify everyone booked on a session starting within a day, once per booking; return how many."""
    rows = db.session.execute(
        select(SessionBooking, CohortSession)
        .join(CohortSession, CohortSession.id == SessionBooking.session_id)
        .where(
            SessionBooking.status == BOOKED,
            CohortSession.status == SessionStatus.SCHEDULED,
            CohortSession.starts_at > now,
            CohortSession.starts_at <= now + WINDOW,
        )
    ).all()
    sent = 0
    for booking, session in rows:
        # The kind names the session and its revision, so a second run (or a second server) never reminds
        # twice, but a session moved after its reminder is reminded again at its new time.
        kind = f"session_reminder:{session.id}.{session.sequence}"
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
            about=cohort_about(session.cohort_id),
        )
        sent += 1
    return sent
