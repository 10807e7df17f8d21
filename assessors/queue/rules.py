"""Turnaround in working days (Monday to Friday except bank holidays in England and Wales, UK dates): days
waited, due date, overdue. Pure.

A piece of work that arrived on some day has waited the working days *after* that day up to and including
today; it is overdue once it has waited more working days than the cohort's target. The bank holidays come
from the `holidays` package (England's list, which is also Wales's); the university's own closure days are
not modelled.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from core.db.timeutil import UK

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


def due_date(waiting_since: datetime, target_days: int) -> date:
    """When work waiting since this moment is due, `target_days` working days later."""
    return add_working_days(uk_date(waiting_since), target_days)


def days_waited(waiting_since: datetime, today: date) -> int:
    """Working days the work has waited by the end of today."""
    return working_days_between(uk_date(waiting_since), today)


def is_overdue(waiting_since: datetime, target_days: int, today: date) -> bool:
    """Whether the work has waited more working days than the target."""
    return days_waited(waiting_since, today) > target_days


def overdue_cutoff(target_days: int, today: date) -> datetime:
    """The moment before which work is overdue today: overdue exactly when waiting_since < this."""
    day, waited = today, 0
    while True:
        # Work that arrived the day before `day` has also waited `day` itself (when it is a working day).
        waited_if_earlier = waited + is_working_day(day)
        if waited_if_earlier > target_days:
            return start_of_uk_day(day)
        day -= timedelta(days=1)
        waited = waited_if_earlier


def today_uk(now: datetime | None = None) -> date:
    """Today's UK date."""
    return uk_date(now or datetime.now(UTC))
