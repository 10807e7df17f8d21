"""Turnaround in working days (Monday to Friday except bank holidays in England and Wales, UK dates): days
waited, due date, overdue. Pure.

A piece of work that arrived on some day has waited the working days *after* that day up to and including
today; it is overdue once it has waited more working days than the cohort's target. The bank holidays come
from the `holidays` package (England's list, which is also Wales's); the university's own closure days are
not modelled. The clock of a candidate's work stands still while they are on a break in learning: those
working days are left out (`breaks`, the candidate's, read by qualification/cohorts/rules.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from core.db.timeutil import UK
from qualification.cohorts.rules import Span, on_break, paused_days

DEFAULT_TARGET = 15  # the cohort default (Cohort.turnaround_days)


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """The bank holidays of a year in England and Wales (substitute days included)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday, except a bank holiday."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


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
def working_days_between(start: date, end: date) -> int:
    """Working days d with start < d <= end (0 when end is not after start)."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * 5
    day = start + timedelta(days=weeks * 7)
    for _ in range(extra):
        day += timedelta(days=1)
        count += day.weekday() < 5
    closed = (
        d
        for year in range(start.year, end.year + 1)
        for d in bank_holidays(year)
        if start < d <= end and d.weekday() < 5
    )
    return count - sum(1 for _ in closed)


@lru_cache(maxsize=4096)
def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after start (the due date of work that arrived on start)."""
    day, left = start, max(days, 0)
    while left:
        day += timedelta(days=1)
        left -= is_working_day(day)
    return day


def due_date(waiting_since: datetime, target_days: int, breaks: Sequence[Span] = ()) -> date:
    """When work waiting since this moment is due, `target_days` working days later (the working days of the
    candidate's breaks in learning not counted: the due date moves on by them)."""
    if not breaks:
        return add_working_days(uk_date(waiting_since), target_days)
    day, left = uk_date(waiting_since), max(target_days, 0)
    while left:
        day += timedelta(days=1)
        left -= is_working_day(day) and not on_break(breaks, day)
    return day


def days_waited(waiting_since: datetime, today: date, breaks: Sequence[Span] = ()) -> int:
    """Working days the work has waited by the end of today, less those the candidate spent on a break."""
    return working_days_waited(uk_date(waiting_since), today, breaks)


def working_days_waited(arrived: date, today: date, breaks: Sequence[Span] = ()) -> int:
    """days_waited for work that arrived on a UK date."""
    waited = working_days_between(arrived, today)
    if breaks:
        waited -= paused_days(breaks, today, since=arrived, counts=is_working_day)
    return waited


def is_overdue(waiting_since: datetime, target_days: int, today: date, breaks: Sequence[Span] = ()) -> bool:
    """Whether the work has waited more working days than the target (never while the candidate is away)."""
    if breaks and on_break(breaks, today):
        return False
    return days_waited(waiting_since, today, breaks) > target_days


def overdue_cutoff(target_days: int, today: date, breaks: Sequence[Span] = ()) -> datetime | None:
    """The moment before which work is overdue today: overdue exactly when waiting_since < this. With the
    candidate's breaks in learning, their working days do not count; None while the candidate is away (their
    clock has stopped: nothing of theirs is overdue)."""
    if breaks and on_break(breaks, today):
        return None
    day, waited = today, 0
    while True:
        # Work that arrived the day before `day` has also waited `day` itself (when it is a working day).
        waited_if_earlier = waited + (is_working_day(day) and not (breaks and on_break(breaks, day)))
        if waited_if_earlier > target_days:
            return start_of_uk_day(day)
        day -= timedelta(days=1)
        waited = waited_if_earlier


def today_uk(now: datetime | None = None) -> date:
    """Today's UK date."""
    return uk_date(now or datetime.now(UTC))
