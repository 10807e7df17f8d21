"""Turnaround in working days (Monday to Friday except bank holidays in England and Wales and the cohort's
closure days, UK dates): days waited, due date, overdue. Pure.

A piece of work that arrived on some day has waited the working days *after* that day up to and including
today; it is overdue once it has waited more working days than the cohort's target. The bank holidays come
from the `holidays` package (England's list, which is also Wales's); the university's own closure days
(24 December to 2 January, say) are the cohort's (`CohortClosure`), passed in as `closed`: a set of dates.
The clock of a candidate's work stands still while they are on a break in learning: those working days are
left out too (`breaks`, the candidate's spans, read by qualification/cohorts/rules.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from core.db.timeutil import UK, uk_today
from qualification.cohorts.rules import Span, on_break, paused_days

# The queue's modules read "today" by this name; the one function is core's.
today_uk = uk_today
DEFAULT_TARGET = 15  # the cohort default (Cohort.turnaround_days)
NO_CLOSURES: frozenset[date] = frozenset()


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """The bank holidays of a year in England and Wales (substitute days included)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def closed_days(ranges: Iterable[tuple[date, date]]) -> frozenset[date]:
    """Every day of these closures, first and last days included."""
    return frozenset(
        first + timedelta(days=n) for first, last in ranges for n in range((last - first).days + 1)
    )


def is_working_day(day: date, closed: frozenset[date] = NO_CLOSURES) -> bool:
    """Monday to Friday, except a bank holiday or a closure day."""
    return day.weekday() < 5 and day not in bank_holidays(day.year) and day not in closed


def uk_date(moment: datetime) -> date:
    """The UK calendar date of an aware moment."""
    return moment.astimezone(UK).date()


@lru_cache(maxsize=8192)
def _uk_date_of_utc_hour(day: date, hour: int) -> date:
    return uk_date(datetime.combine(day, time(hour), tzinfo=UTC))


def uk_day(moment: datetime) -> date:
    """uk_date for many stored moments at once (a report's 13,000 submission times): the moment as the driver
    returns it (naive UTC from SQLite, aware from PostgreSQL), its UK date looked up by UTC hour, since the
    UK is always a whole number of hours from UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return _uk_date_of_utc_hour(moment.date(), moment.hour)


def start_of_uk_day(day: date) -> datetime:
    """Midnight UK time at the start of a date, as an aware UTC datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=UK).astimezone(UTC)


@lru_cache(maxsize=16384)
def working_days_between(start: date, end: date, closed: frozenset[date] = NO_CLOSURES) -> int:
    """Working days d with start < d <= end (0 when end is not after start)."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * 5
    day = start + timedelta(days=weeks * 7)
    for _ in range(extra):
        day += timedelta(days=1)
        count += day.weekday() < 5
    holidays_in_range = {
        d
        for year in range(start.year, end.year + 1)
        for d in bank_holidays(year)
        if start < d <= end and d.weekday() < 5
    }
    # A closure day that is also a bank holiday is not taken off twice.
    closures_in_range = {d for d in closed if start < d <= end and d.weekday() < 5}
    return count - len(holidays_in_range | closures_in_range)


@lru_cache(maxsize=4096)
def add_working_days(start: date, days: int, closed: frozenset[date] = NO_CLOSURES) -> date:
    """The date `days` working days after start (the due date of work that arrived on start)."""
    day, left = start, max(days, 0)
    while left:
        day += timedelta(days=1)
        left -= is_working_day(day, closed)
    return day


def due_date(
    waiting_since: datetime,
    target_days: int,
    closed: frozenset[date] = NO_CLOSURES,
    breaks: Sequence[Span] = (),
) -> date:
    """When work waiting since this moment is due, `target_days` working days later (never a closed day; the
    working days of the candidate's breaks in learning not counted: the due date moves on by them)."""
    if not breaks:
        return add_working_days(uk_date(waiting_since), target_days, closed)
    day, left = uk_date(waiting_since), max(target_days, 0)
    while left:
        day += timedelta(days=1)
        left -= is_working_day(day, closed) and not on_break(breaks, day)
    return day


def days_waited(
    waiting_since: datetime, today: date, closed: frozenset[date] = NO_CLOSURES, breaks: Sequence[Span] = ()
) -> int:
    """Working days the work has waited by the end of today, less those the candidate spent on a break."""
    return working_days_waited(uk_date(waiting_since), today, closed, breaks)


def working_days_waited(
    arrived: date, today: date, closed: frozenset[date] = NO_CLOSURES, breaks: Sequence[Span] = ()
) -> int:
    """days_waited for work that arrived on a UK date."""
    waited = working_days_between(arrived, today, closed)
    if breaks:
        waited -= paused_days(breaks, today, since=arrived, counts=lambda day: is_working_day(day, closed))
    return waited


def is_overdue(
    waiting_since: datetime,
    target_days: int,
    today: date,
    closed: frozenset[date] = NO_CLOSURES,
    breaks: Sequence[Span] = (),
) -> bool:
    """Whether the work has waited more working days than the target (never while the candidate is away)."""
    if breaks and on_break(breaks, today):
        return False
    return days_waited(waiting_since, today, closed, breaks) > target_days


def overdue_cutoff(
    target_days: int, today: date, closed: frozenset[date] = NO_CLOSURES, breaks: Sequence[Span] = ()
) -> datetime | None:
    """The moment before which work is overdue today: overdue exactly when waiting_since < this. With the
    candidate's breaks in learning, their working days do not count; None while the candidate is away (their
    clock has stopped: nothing of theirs is overdue)."""
    if breaks and on_break(breaks, today):
        return None
    day, waited = today, 0
    while True:
        # Work that arrived the day before `day` has also waited `day` itself (when it is a working day).
        waited_if_earlier = waited + (is_working_day(day, closed) and not (breaks and on_break(breaks, day)))
        if waited_if_earlier > target_days:
            return start_of_uk_day(day)
        day -= timedelta(days=1)
        waited = waited_if_earlier


@dataclass(frozen=True)
class Turnaround:
    """One cohort's turnaround: its target in working days and its closure days."""

    target: int = DEFAULT_TARGET
    closed: frozenset[date] = NO_CLOSURES

    def due(self, waiting_since: datetime, breaks: Sequence[Span] = ()) -> date:
        return due_date(waiting_since, self.target, self.closed, breaks)

    def waited(self, waiting_since: datetime, today: date, breaks: Sequence[Span] = ()) -> int:
        return days_waited(waiting_since, today, self.closed, breaks)

    def overdue(self, waiting_since: datetime, today: date, breaks: Sequence[Span] = ()) -> bool:
        return is_overdue(waiting_since, self.target, today, self.closed, breaks)

    def cutoff(self, today: date, breaks: Sequence[Span] = ()) -> datetime | None:
        return overdue_cutoff(self.target, today, self.closed, breaks)
