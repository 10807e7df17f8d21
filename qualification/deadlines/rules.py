"""Pure rules of deadlines: a candidate's own deadline, what may be proposed or granted, when to remind,
how a deadline reads, and its all-day calendar event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from core.db.timeutil import long_date as core_long_date
from core.validation import Text
from core.web.words import plural
from qualification.cohorts.rules import Span, shift_for_breaks

REASON_MAX = 2000
_TOO_LONG = f"Keep it to {REASON_MAX:,} characters."
# The texts people write, shared by the forms and the services (each rule and its message written once).
REASON = Text(REASON_MAX, _TOO_LONG, "Say why you need more time.")
REFUSAL = Text(REASON_MAX, _TOO_LONG, "Say why the request is refused: the candidate reads it.")
NOTE = Text(REASON_MAX, _TOO_LONG)  # optional
# Reminders go a week and a day before a candidate's deadline (days before, largest first).
REMINDER_DAYS = (7, 1)


def personal_deadline(
    cohort_deadline: date,
    extension_until: date | None,
    breaks: Iterable[Span] = (),
    *,
    today: date | None = None,
) -> date:
    """The candidate's own deadline: the cohort's, or a later date an extension granted them, moved on by
    their breaks in learning (`shift_for_breaks`: a break stops the clock; an open one has lasted to `today`).

    The later of the two dates counts: a cohort deadline moved past an old extension carries the candidate
    with it.
    """
    base = max(cohort_deadline, extension_until) if extension_until is not None else cohort_deadline
    breaks = tuple(breaks)
    if not breaks:
        return base
    if today is None:
        raise ValueError("A deadline moved by breaks in learning needs today's date (an open break runs on).")
    return shift_for_breaks(base, breaks, today=today)


def breaks_sequence(breaks: Iterable[Span], today: date) -> int:
    """What a candidate's breaks add to their deadline event's SEQUENCE, which must grow whenever the date
    moves: one for each break begun and each ended, and a day for each day since the first began (an open
    break moves the date daily). It never falls, even when a return is recorded backdated (the date then
    moves earlier, with a SEQUENCE still higher than any sent while the break was open)."""
    breaks = list(breaks)
    if not breaks:
        return 0
    first = min(b.starts_on for b in breaks)
    ended = sum(1 for b in breaks if b.ends_on is not None)
    return len(breaks) + ended + max((today - first).days, 0)


def is_late(handed_in_on: date, deadline: date) -> bool:
    """Whether work handed in on this (UK) day missed the deadline (the deadline day itself is on time)."""
    return handed_in_on > deadline


def is_overdue(deadline: date, today: date) -> bool:
    """Whether the deadline has passed (at the end of its day)."""
    return today > deadline


def reminder_due(deadline: date, today: date) -> int | None:
    """The reminder due today: 7 (the week before), 1 (the day before, or on the day), or None.

    A deadline set or extended less than a week ahead still gets the week's reminder once; the day's
    reminder follows. Each is sent once per date (the reminder table's unique key)."""
    left = (deadline - today).days
    if 0 <= left <= 1:
        return 1
    if 2 <= left <= 7:
        return 7
    return None


def due_words(deadline: date, today: date) -> str:
    """How near the deadline is, in words: 'due today', 'due tomorrow', 'in 5 days', '3 days overdue'."""
    left = (deadline - today).days
    if left == 0:
        return "due today"
    if left == 1:
        return "due tomorrow"
    if left > 1:
        return f"in {plural(left, 'day')}"
    return f"{plural(-left, 'day')} overdue"


def long_date(day: date) -> str:
    """A deadline as people write it, with its weekday: 'Friday 12 March 2027'."""
    return core_long_date(day, weekday=True)


# Checks on the dates people type (the services raise them as field errors) ------------------------------


def deadline_problem(due_on: date | None, *, today: date, starts_on: date) -> str | None:
    """Why a course leader cannot set this deadline, or None."""
    if due_on is None:
        return "Enter the deadline."
    if due_on < today:
        return f"The deadline cannot be in the past: today is {long_date(today)}."
    if due_on < starts_on:
        return f"The deadline cannot be before the cohort starts on {long_date(starts_on)}."
    return None


def _later_date_problem(
    day: date | None, today: date, current: date, words: tuple[str, str, str]
) -> str | None:
    """Why `day` cannot be a new deadline, in `words` (missing, in the past: {today}, not after the current
    deadline: {current}), or None."""
    missing, past, not_later = words
    if day is None:
        return missing
    if day < today:
        return past.format(today=long_date(today))
    if day <= current:
        return not_later.format(current=long_date(current))
    return None


def proposal_problem(proposed: date | None, *, today: date, current: date) -> str | None:
    """Why a candidate cannot propose this date for an extension, or None."""
    return _later_date_problem(
        proposed,
        today,
        current,
        (
            "Enter the date you propose.",
            "The date you propose is in the past: today is {today}.",
            "Propose a date after your current deadline, {current}.",
        ),
    )


def grant_problem(until: date | None, *, today: date, current: date) -> str | None:
    """Why this new date cannot be granted, or None: it must be ahead, and later than the candidate's
    deadline now (or it is no extension)."""
    return _later_date_problem(
        until,
        today,
        current,
        (
            "Enter the new deadline.",
            "The new deadline cannot be in the past: today is {today}.",
            "The new deadline must be after the candidate's current deadline, {current}.",
        ),
    )


# Calendar feeds ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineEvent:
    """One deadline as an all-day calendar event."""

    uid: str
    day: date
    summary: str
    description: str
    # Calendar apps replace an event only when its SEQUENCE grows: bumped whenever the date can have moved.
    sequence: int


def deadline_uid(deadline_id: int, candidate_id: int | None = None) -> str:
    """The event's UID: the cohort's deadline, or one candidate's own (which an extension moves)."""
    if candidate_id is None:
        return f"deadline-{deadline_id}@waymark"
    return f"deadline-{deadline_id}-{candidate_id}@waymark"


def with_deadline_events(ics: bytes, events: Iterable[DeadlineEvent], *, now: datetime) -> bytes:
    """The calendar with all-day deadline events added (kept apart from the sessions' events, which the
    calendar builds itself)."""
    events = list(events)
    if not events:
        return ics
    calendar = Calendar.from_ical(ics)
    for item in sorted(events, key=lambda e: (e.day, e.uid)):
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", now.astimezone(UTC))
        # A DATE value (no time): an all-day event on the UK day, whatever the reader's time zone.
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", item.description)
        # A deadline takes no time in the day: it must not show the person as busy.
        event.add("transp", "TRANSPARENT")
        event.add("sequence", max(item.sequence, 0))
        calendar.add_component(event)
    return calendar.to_ical()
