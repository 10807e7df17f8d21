"""The cohort's calendar: adding sessions (once or repeating), changing and cancelling them (those booked
are told), the supply-cover rate, and publishing the calendar at an unguessable address."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from core.accounts.models import Role
from core.db.timeutil import UK, long_date, utcnow
from core.errors import EditConflict, InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.validation import errors_of, web_address_problem
from core.web.formatting import format_datetime
from qualification.booking.services import give_free_places, lock_session, taken_places, tell_booked
from qualification.calendar.rules import (
    MAX_EVERY_WEEKS,
    MAX_REPEATS,
    describe_changes,
    format_pounds,
    repeated_times,
    uk_when,
)
from qualification.cohorts.models import Cohort, CohortSession, SessionKind, SessionStatus
from qualification.cohorts.services import audit_cohort
from qualification.permissions import can_manage_cohort

MAX_REASON = 1000
MAX_SUPPLY_COST_PENCE = 100_000  # £1,000 a day: well above any supply agency's rate
# The columns a session form sets (capacity is not told to those booked: it changes nobody's plans).
COLUMNS = ("kind", "title", "starts_at", "ends_at", "place", "link", "capacity", "module_codes", "notes_md")


def _link_problem(kind: SessionKind, link: str | None) -> str | None:
    if kind == SessionKind.ONLINE_LIVE and not link:
        return "An online session needs its joining link."
    if link and web_address_problem(link):
        return "The joining link must start with https:// or http://."
    return None


def _start_problem(cohort: Cohort, starts_at: datetime) -> str | None:
    if starts_at.astimezone(UK).date() < cohort.start_date:
        return (
            f"The cohort starts on {long_date(cohort.start_date)}: a session cannot be before then. "
            "Check the date, and the year."
        )
    return None


def _columns(
    cohort: Cohort,
    *,
    kind: SessionKind,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str | None,
    link: str | None,
    capacity: int | None,
    module_codes: list[str],
    notes: str = "",
) -> dict:
    """The session's column values from what the course leader typed, or ValidationFailed saying why not."""
    kind = SessionKind(kind)
    known = {link_.code for link_ in cohort.qualification_version.module_links}
    unknown = [c for c in module_codes if c not in known]
    errors = errors_of(
        title=None if (title or "").strip() else "Give the session a title.",
        starts_at=_start_problem(cohort, starts_at),
        ends_at=None if ends_at > starts_at else "The session must end after it starts.",
        capacity=(
            "Capacity must be at least 1, or left empty for no limit."
            if capacity is not None and capacity < 1
            else None
        ),
        link=_link_problem(kind, link),
        place=(
            "Say where the session takes place."
            if kind != SessionKind.ONLINE_LIVE and not (place or "").strip()
            else None
        ),
        module_codes=f"Unknown module{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}"
        if unknown
        else None,
    )
    if errors:
        raise ValidationFailed(errors)
    return {
        "kind": kind,
        "title": title.strip(),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": (place or "").strip() or None,
        "link": link or None,
        "capacity": capacity,
        "module_codes": " ".join(module_codes),
        "notes_md": (notes or "").strip(),
    }


def add_session(actor, cohort: Cohort, **details) -> CohortSession:
    """Add a session to the cohort's calendar (not before the cohort starts).

    `details`: kind, title, starts_at, ends_at (aware), place, link, capacity, module_codes, notes.
    """
    require(can_manage_cohort(actor, cohort), "Only course leaders can change the calendar.")
    session = CohortSession(cohort_id=cohort.id, **_columns(cohort, **details))
    db.session.add(session)
    db.session.flush()
    audit_cohort(
        "session_added",
        actor,
        cohort,
        session_id=session.id,
        kind=session.kind,
        starts_at=session.starts_at.isoformat(),
    )
    return session


def plan_sessions(
    actor, cohort: Cohort, *, every_weeks: int, count: int, **details
) -> list[tuple[datetime, datetime]]:
    """The times of a repeating session, checked as the sessions would be, without adding anything."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can change the calendar.")
    errors = errors_of(
        every_weeks=None
        if 1 <= (every_weeks or 0) <= MAX_EVERY_WEEKS
        else f"Repeat every 1 to {MAX_EVERY_WEEKS} weeks.",
        count=None if 1 <= (count or 0) <= MAX_REPEATS else f"Add 1 to {MAX_REPEATS} sessions at a time.",
    )
    try:
        _columns(cohort, **details)
    except ValidationFailed as exc:
        errors = {**exc.errors, **errors}
    if errors:
        raise ValidationFailed(errors)
    return repeated_times(details["starts_at"], details["ends_at"], every_weeks=every_weeks, count=count)


def add_sessions(actor, cohort: Cohort, *, every_weeks: int, count: int, **details) -> list[CohortSession]:
    """Add `count` sessions `every_weeks` apart at the same UK clock time: every date, none skipped."""
    times = plan_sessions(actor, cohort, every_weeks=every_weeks, count=count, **details)
    return [add_session(actor, cohort, **{**details, "starts_at": s, "ends_at": e}) for s, e in times]


@dataclass(frozen=True)
class SessionChange:
    """What a change did: the lines the people booked were sent, how many were told, who got a place."""

    told_lines: list[str] = field(default_factory=list)
    told: int = 0
    given_places: list[int] = field(default_factory=list)
    fields: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.fields)

    @property
    def moved(self) -> bool:
        return "starts_at" in self.fields


def _fresh(actor, session: CohortSession, expected_version: int | None) -> CohortSession:
    """The session locked and re-read, refused if cancelled or changed since the form was opened."""
    require(can_manage_cohort(actor, session.cohort), "Only course leaders can change the calendar.")
    session = lock_session(session)
    if expected_version is not None and expected_version != session.version:
        raise EditConflict("Someone changed this session since you opened the page. Check it and save again.")
    if session.is_cancelled:
        raise InvalidTransition("This session is cancelled, so it can no longer be changed.")
    return session


def _acting(actor) -> str:
    return Role.COURSE_LEADER if actor.has_role(Role.COURSE_LEADER) else Role.ADMIN


def edit_session(
    actor, session: CohortSession, *, expected_version: int | None = None, **details
) -> SessionChange:
    """Change or reschedule a session. Those booked or waiting are told of any change they would see,
    and the feed's SEQUENCE goes up; a capacity raised gives the new places to the waiting list."""
    session = _fresh(actor, session, expected_version)
    cohort = session.cohort
    after = _columns(cohort, **details)
    taken = taken_places(session.id)
    if after["capacity"] is not None and after["capacity"] < taken:
        fewer = f"{taken} candidates have a place already: the capacity cannot be fewer than {taken}."
        raise ValidationFailed({"capacity": fewer})
    before = {name: getattr(session, name) for name in COLUMNS}
    changed = [name for name in COLUMNS if before[name] != after[name]]
    if not changed:
        return SessionChange()
    lines = describe_changes(before, after)
    for name in changed:
        setattr(session, name, after[name])
    if lines:
        session.sequence += 1
    db.session.flush()
    audit_cohort(
        "session_changed",
        actor,
        cohort,
        session_id=session.id,
        changed={name: [_plain(before[name]), _plain(after[name])] for name in changed},
        sequence=session.sequence,
    )
    told = 0
    # A correction to a session long past tells nobody; a move into or out of the future does.
    if lines and max(before["starts_at"], session.starts_at) > utcnow():
        what = "moved" if {"starts_at", "ends_at"} & set(changed) else "changed"
        told = tell_booked(
            session,
            kind="session_changed",
            title=f"Session {what}: {session.title}, {uk_when(session.starts_at, session.ends_at)}",
            body=". ".join(lines) + ". Your place (or your place on the waiting list) is kept.",
        )
    given = give_free_places(actor, session, actor_role=_acting(actor)) if "capacity" in changed else []
    return SessionChange(lines, told, given, tuple(changed))


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def cancel_session(actor, session: CohortSession, *, reason: str, expected_version: int | None = None) -> int:
    """Cancel a session with a reason: it stays in the calendar marked cancelled, calendars are told
    (STATUS:CANCELLED), and so is everyone booked or waiting; how many were told."""
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        why = f"Say why the session is cancelled (up to {MAX_REASON} characters): those booked are told."
        raise ValidationFailed({"reason": why})
    session = _fresh(actor, session, expected_version)
    session.move_to(SessionStatus.CANCELLED)
    session.cancel_reason = reason
    session.cancelled_at = utcnow()
    session.sequence += 1
    db.session.flush()
    audit_cohort("session_cancelled", actor, session.cohort, session_id=session.id, reason=reason)
    if session.starts_at <= utcnow():
        return 0
    return tell_booked(
        session,
        kind="session_cancelled",
        title=f"Cancelled: {session.title}, {format_datetime(session.starts_at)}",
        body=f"The session on {uk_when(session.starts_at, session.ends_at)} is cancelled. {reason}",
    )


def set_supply_cost(actor, cohort: Cohort, *, pence: int | None) -> None:
    """Set what a day of supply cover costs a school, for this cohort's release letters."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can change the calendar.")
    if pence is None or not 0 <= pence <= MAX_SUPPLY_COST_PENCE:
        most = format_pounds(MAX_SUPPLY_COST_PENCE)
        raise ValidationFailed({"pounds": f"Enter the cost of a day of supply cover, from £0 to {most}."})
    before = cohort.supply_cost_pence
    cohort.supply_cost_pence = pence
    db.session.flush()
    audit_cohort("cohort_supply_cost_set", actor, cohort, before=before, after=pence)


def publish_calendar(actor, cohort: Cohort) -> str:
    """Give the calendar a new public address (page and iCalendar feed); any older address stops working."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can publish the calendar.")
    cohort.calendar_token = secrets.token_urlsafe(24)
    db.session.flush()
    audit_cohort("calendar_published", actor, cohort)
    return cohort.calendar_token


def unpublish_calendar(actor, cohort: Cohort) -> None:
    """Take the public calendar page and feed down."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can change the calendar.")
    cohort.calendar_token = None
    db.session.flush()
    audit_cohort("calendar_unpublished", actor, cohort)
