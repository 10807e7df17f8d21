"""Turnaround in working days (Monday to Friday, UK dates): days waited, due date, overdue. Pure.

A piece of work that arrived on some day has waited the working days *after* that day up to and including
today; it is overdue once it has waited more working days than the cohort's target. Bank holidays are not
modelled (the target is a course leader's promise, not a statute), so a holiday week counts in full.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from core.db.timeutil import UK

DEFAULT_TARGET = 15  # the cohort default (Cohort.turnaround_days)


def is_working_day(day: date) -> bool:
    """Monday to Friday."""
    return day.weekday() < 5


def uk_date(moment: datetime) -> date:
    """The UK calendar date of an aware moment."""
    return moment.astimezone(UK).date()


def start_of_uk_day(day: date) -> datetime:
    """Midnight UK time at the start of a date, as an aware UTC datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=UK).astimezone(UTC)


def working_days_between(start: date, end: date) -> int:
    """Working days d with start < d <= end (0 when end is not after start)."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * 5
    day = start + timedelta(days=weeks * 7)
    for _ in range(extra):
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after start (the due date of work that arrived on start)."""
    weeks, extra = divmod(max(days, 0), 5)
    day = start + timedelta(days=weeks * 7)
    # Whole weeks keep the weekday; a weekend start moves on to the Friday before counting the rest.
    while weeks and not is_working_day(day):
        day -= timedelta(days=1)
    while extra:
        day += timedelta(days=1)
        extra -= is_working_day(day)
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
