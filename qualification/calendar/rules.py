"""Pure helpers for cohort calendars: the iCalendar feed, month grouping and the cost of release."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from core.db.timeutil import UK, long_date
from qualification.cohorts.models import SessionKind, SessionStatus

PRODID = "-//Waymark//Cohort calendar//EN"
# Calendar apps poll subscribed feeds on their own schedule; this asks them to look twice a day.
REFRESH = timedelta(hours=12)
TZID = "Europe/London"


def session_uid(session) -> str:
    """The event's UID: fixed for the life of the session so calendar apps update it, not duplicate it."""
    return f"session-{session.id}@waymark"


def is_cancelled(session) -> bool:
    return session.status == SessionStatus.CANCELLED


def _summary(session) -> str:
    summary = f"{session.title} ({SessionKind(session.kind).label})"
    return f"Cancelled: {summary}" if is_cancelled(session) else summary


def _description(session) -> str:
    lines = [SessionKind(session.kind).label]
    if is_cancelled(session):
        lines.insert(0, f"This session is cancelled. {session.cancel_reason or ''}".strip())
    elif SessionKind(session.kind).needs_release:
        lines.append("Your school releases you for this session.")
    if session.modules:
        lines.append("Modules: " + ", ".join(session.modules))
    if session.link and not is_cancelled(session):
        lines.append(f"Join online: {session.link}")
    return "\n".join(lines)


def _uk_timezone() -> Timezone:
    """The VTIMEZONE of UK time, as Outlook and Google write it: BST from the last Sunday of March at
    01:00 GMT, GMT from the last Sunday of October at 02:00 BST (the rule since 1996)."""
    zone = Timezone()
    zone.add("tzid", TZID)
    # A VTIMEZONE's onsets are local clock times without a zone (RFC 5545 3.6.5), hence naive datetimes.
    for part, name, before, after, start, month in (
        (TimezoneDaylight(), "BST", 0, 1, datetime(1970, 3, 29, 1), 3),  # noqa: DTZ001
        (TimezoneStandard(), "GMT", 1, 0, datetime(1970, 10, 25, 2), 10),  # noqa: DTZ001
    ):
        part.add("tzname", name)
        part.add("tzoffsetfrom", timedelta(hours=before))
        part.add("tzoffsetto", timedelta(hours=after))
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        zone.add_component(part)
    return zone


def build_ics(cohort, sessions: Iterable, *, now: datetime) -> bytes:
    """An RFC 5545 calendar with one event per session (cancelled ones too, marked so), in UK time.

    Times carry TZID=Europe/London with its VTIMEZONE, so a session stays at 16:30 across the clock
    changes; a change keeps the UID and raises the SEQUENCE, so subscribed calendars update the event.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", cohort.name)
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add_component(_uk_timezone())
    stamp = now.astimezone(UTC)
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.id)):
        event = Event()
        event.add("uid", session_uid(session))
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(UK))
        event.add("dtend", session.ends_at.astimezone(UK))
        event.add("summary", _summary(session))
        event.add("status", "CANCELLED" if is_cancelled(session) else "CONFIRMED")
        event.add("sequence", session.sequence)
        if session.place or session.link:
            event.add("location", session.place or session.link)
        event.add("description", _description(session))
        if session.link:
            event.add("url", session.link)
        calendar.add_component(event)
    return calendar.to_ical()


def slugify(text: str) -> str:
    """A filename-safe lower-case form of a name, e.g. 'certificate-2026-27-northmoor'."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].rstrip("-") or "calendar"


# Reading the calendar --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedSession:
    """A session with its UK date spelt out for people."""

    session: object
    day: str  # e.g. "Friday 18 September 2026"
    month: str  # e.g. "September 2026"


def uk_day(moment: datetime) -> str:
    """A UTC time's UK date, e.g. 'Friday 18 September 2026'."""
    return long_date(moment.astimezone(UK).date(), weekday=True)


def uk_date(moment: datetime) -> str:
    """A UTC time's UK date without the weekday, e.g. '22 November 2026' (for dating a letter)."""
    return long_date(moment.astimezone(UK).date())


def dated(sessions: Iterable) -> list[DatedSession]:
    """Sessions in date order, each with its UK day and month."""
    return [
        DatedSession(s, uk_day(s.starts_at), s.starts_at.astimezone(UK).strftime("%B %Y"))
        for s in sorted(sessions, key=lambda s: (s.starts_at, s.id))
    ]


def by_month(sessions: Iterable) -> list[tuple[str, list[DatedSession]]]:
    """Sessions in date order, grouped under their UK month."""
    groups: list[tuple[str, list[DatedSession]]] = []
    for entry in dated(sessions):
        if not groups or groups[-1][0] != entry.month:
            groups.append((entry.month, []))
        groups[-1][1].append(entry)
    return groups


def uk_when(starts_at: datetime, ends_at: datetime) -> str:
    """When a session is, for people: 'Wednesday 7 October 2026, 16:30 to 18:00' (UK time)."""
    return f"{uk_day(starts_at)}, {starts_at.astimezone(UK):%H:%M} to {ends_at.astimezone(UK):%H:%M}"


def scheduled(sessions: Iterable) -> list:
    """The sessions that are not cancelled."""
    return [s for s in sessions if not is_cancelled(s)]


def still_to_come(sessions: Iterable, now: datetime) -> list:
    """The sessions not cancelled that have not started yet (what a school still has to plan for)."""
    return [s for s in scheduled(sessions) if s.starts_at > now]


def past_warning(sessions: Iterable, now: datetime) -> str | None:
    """What to tell a course leader who put sessions in the past (kept: they may be a record), or None."""
    past = [uk_day(s.starts_at) for s in sorted(sessions, key=lambda s: s.starts_at) if s.starts_at <= now]
    if not past:
        return None
    return (
        f"Check the date: {', '.join(past)} {'has' if len(past) == 1 else 'have'} already passed. Nobody can "
        "book a place in a past session and release letters leave it out. If the date is wrong, change it."
    )


# Repeating sessions and changes ---------------------------------------------------------------------

MAX_REPEATS = 40  # a school year of weekly sessions
MAX_EVERY_WEEKS = 12


def repeated_times(
    starts_at: datetime, ends_at: datetime, *, every_weeks: int, count: int
) -> list[tuple[datetime, datetime]]:
    """The times of `count` sessions `every_weeks` apart, at the same UK clock time: a 16:30 session
    stays at 16:30 across the clock changes (in UTC it moves by the hour)."""
    start, end = starts_at.astimezone(UK).replace(tzinfo=None), ends_at.astimezone(UK).replace(tzinfo=None)
    gaps = [timedelta(weeks=every_weeks * n) for n in range(count)]
    return [((start + gap).replace(tzinfo=UK), (end + gap).replace(tzinfo=UK)) for gap in gaps]


def plan_signature(times: Iterable[tuple[datetime, datetime]]) -> str:
    """A short fingerprint of a list of session times: a confirmation is for exactly the dates shown."""
    text = "|".join(
        f"{start.astimezone(UTC):%Y%m%dT%H%M}-{end.astimezone(UTC):%Y%m%dT%H%M}" for start, end in times
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


# What people see of a session in calendars and notifications; a change to any of these is told.
TOLD_FIELDS = ("title", "kind", "starts_at", "ends_at", "place", "link", "module_codes")


def describe_changes(before: dict, after: dict) -> list[str]:
    """The told fields that differ, in words for the people booked: 'Now Wednesday 14 October 2026,
    16:30 to 18:00 (was Wednesday 7 October 2026, 16:30 to 18:00)'."""
    changed = {name for name in TOLD_FIELDS if before.get(name) != after.get(name)}
    lines = []
    if changed & {"starts_at", "ends_at"}:
        was, now = (uk_when(d["starts_at"], d["ends_at"]) for d in (before, after))
        lines.append(f"Now {now} (was {was})")
    if "title" in changed:
        lines.append(f"Now called {after['title']} (was {before['title']})")
    if "kind" in changed:
        was, now = (SessionKind(d["kind"]).label for d in (before, after))
        lines.append(f"Now: {now} (was: {was})")
    if "place" in changed:
        lines.append(f"Now at {after['place'] or 'no set place'} (was {before['place'] or 'no set place'})")
    if "link" in changed:
        lines.append(f"Joining link: {after['link']}" if after["link"] else "There is no joining link now")
    if "module_codes" in changed:
        lines.append(f"Modules: {after['module_codes'] or 'none'} (was {before['module_codes'] or 'none'})")
    return lines


# Release and supply cover --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseSummary:
    """How much time out of school the calendar asks for, and what supply cover for it costs."""

    full_days: int
    half_days: int
    day_equivalents: Decimal
    cost_pence: int
    sessions_needing_release: tuple
    sessions_after_school: tuple


def release_summary(sessions: Iterable, supply_cost_pence: int) -> ReleaseSummary:
    """Count the release days (a half day is half a day) and price them at the daily supply cost."""
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    release = tuple(s for s in ordered if SessionKind(s.kind).needs_release)
    full = sum(1 for s in release if s.kind == SessionKind.DAY_RELEASE)
    half = len(release) - full
    halves = 2 * full + half
    return ReleaseSummary(
        full_days=full,
        half_days=half,
        day_equivalents=Decimal(halves) / 2,
        # Round half a penny up: an odd daily cost must not make the letter under-state the cost.
        cost_pence=(halves * supply_cost_pence + 1) // 2,
        sessions_needing_release=release,
        sessions_after_school=tuple(s for s in ordered if not SessionKind(s.kind).needs_release),
    )


def format_pounds(pence: int) -> str:
    """Pence as pounds, with pence only when there are some: '£450', '£1,080', '£92.50'."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}" + (f".{rest:02d}" if rest else "")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def format_days(days: Decimal) -> str:
    """A number of days for people: '1 day', '2.5 days', 'half a day'."""
    if days == Decimal("0.5"):
        return "half a day"
    number = str(int(days)) if days == int(days) else f"{days:f}"
    return f"{number} {'day' if days == 1 else 'days'}"


def describe_release(summary: ReleaseSummary, supply_cost_pence: int) -> str:
    """One sentence for a headteacher, e.g. '2.5 days of release (2 full days and 1 half day) — about
    £450 of supply cover at £180 a day'."""
    if not summary.sessions_needing_release:
        return "No release from school is needed: every session is after school or online"
    parts = []
    if summary.full_days:
        parts.append(_count(summary.full_days, "full day", "full days"))
    if summary.half_days:
        parts.append(_count(summary.half_days, "half day", "half days"))
    return (
        f"{format_days(summary.day_equivalents)} of release ({' and '.join(parts)}) — about "
        f"{format_pounds(summary.cost_pence)} of supply cover at {format_pounds(supply_cost_pence)} a day"
    )
