"""Pure helpers for cohort calendars: the iCalendar feed, month grouping and the cost of release."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from icalendar import Calendar, Event

from core.db.timeutil import UK
from qualification.cohorts.models import SessionKind

PRODID = "-//Waymark//Cohort calendar//EN"
# Calendar apps poll subscribed feeds on their own schedule; this asks them to look twice a day.
REFRESH = timedelta(hours=12)


def session_uid(session) -> str:
    """The event's UID: fixed for the life of the session so calendar apps update it, not duplicate it."""
    return f"session-{session.id}@waymark"


def _summary(session) -> str:
    return f"{session.title} ({SessionKind(session.kind).label})"


def _description(session) -> str:
    lines = [SessionKind(session.kind).label]
    if SessionKind(session.kind).needs_release:
        lines.append("Your school releases you for this session.")
    if session.modules:
        lines.append("Modules: " + ", ".join(session.modules))
    if session.link:
        lines.append(f"Join online: {session.link}")
    return "\n".join(lines)


def build_ics(cohort, sessions: Iterable, *, now: datetime) -> bytes:
    """An RFC 5545 calendar with one event per session, every time written in UTC."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", cohort.name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    stamp = now.astimezone(UTC)
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.id)):
        event = Event()
        event.add("uid", session_uid(session))
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(UTC))
        event.add("dtend", session.ends_at.astimezone(UTC))
        event.add("summary", _summary(session))
        if session.place or session.link:
            event.add("location", session.place or session.link)
        event.add("description", _description(session))
        if session.link:
            event.add("url", session.link)
        # The row's optimistic-lock counter starts at 1; apps take a higher SEQUENCE as a revision.
        event.add("sequence", max((session.version or 1) - 1, 0))
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
    return moment.astimezone(UK).strftime("%A %-d %B %Y")


def uk_date(moment: datetime) -> str:
    """A UTC time's UK date without the weekday, e.g. '22 November 2026' (for dating a letter)."""
    return moment.astimezone(UK).strftime("%-d %B %Y")


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
