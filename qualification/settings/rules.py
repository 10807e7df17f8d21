"""Pure rules of a cohort's settings: closure days, and what "the same next year" means for each date.

Copying a cohort for next year moves its calendar **52 weeks** on, not one calendar year: a twilight on
Wednesday 7 October 2026 becomes Wednesday 6 October 2027, so the weekly pattern schools planned release
around (every other Wednesday, say) is kept. Session times are moved in UK local time, so 16:30 stays 16:30
across the clocks changing. Closure days are the university's calendar dates (Christmas), so they move to the
same dates a year on instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from core.db.timeutil import UK, long_date
from core.validation import Text

NEXT_YEAR = timedelta(weeks=52)
# A closure is days or weeks (Christmas, Easter); a longer one is almost always a mistyped year.
MAX_CLOSURE_DAYS = 31
CLOSURE_LABEL = Text(100, "Keep the description under 100 characters.")
# What a school pays for a day's supply cover, in pounds: the research says about £180 (domain.md).
MAX_SUPPLY_POUNDS = 1000
SUPPLY_MESSAGE = f"Enter the day rate in pounds, from 0 to {MAX_SUPPLY_POUNDS:,}, for example 180 or 182.50."


def describe_closure(first: date, last: date, label: str = "") -> str:
    """'24 December 2026 to 2 January 2027 (Christmas)', or one day."""
    when = long_date(first) if first == last else f"{long_date(first)} to {long_date(last)}"
    return f"{when} ({label})" if label else when


def closure_problems(
    first: date | None, last: date | None, label: str, existing: Iterable[tuple[date, date, str]]
) -> dict[str, str]:
    """What is wrong with a new closure (its first and last day, description) beside the cohort's others."""
    if first is None:
        return {"first_day": "Enter the first day the university is closed."}
    last = last or first
    problems = {}
    if last < first:
        problems["last_day"] = "The last closed day cannot be before the first."
    elif (last - first).days + 1 > MAX_CLOSURE_DAYS:
        problems["last_day"] = (
            f"A closure can be at most {MAX_CLOSURE_DAYS} days: check the dates "
            "(a longer break is entered as separate closures)."
        )
    else:
        clash = next(((a, b, text) for a, b, text in existing if first <= b and a <= last), None)
        if clash is not None:
            problems["first_day"] = (
                f"These days overlap a closure already entered: {describe_closure(*clash)}."
            )
    if label_problem := CLOSURE_LABEL(label):
        problems["label"] = label_problem
    return problems


def supply_pence(pounds) -> int | None:
    """A day rate typed in pounds (a Decimal or number), in whole pence; None when it is not one."""
    if pounds is None or pounds < 0 or pounds > MAX_SUPPLY_POUNDS or pounds * 100 != int(pounds * 100):
        return None
    return int(pounds * 100)


def a_year_on(day: date | None) -> date | None:
    """A cohort date (start, end, option deadline) next year: the same weekday, 52 weeks on."""
    return day + NEXT_YEAR if day is not None else None


def moment_a_year_on(moment: datetime) -> datetime:
    """A session's start or end next year: 52 weeks on at the same UK clock time."""
    local = moment.astimezone(UK).replace(tzinfo=None) + NEXT_YEAR
    return local.replace(tzinfo=UK)


def same_date_next_year(day: date) -> date:
    """A closure day next year: the same date (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


_YEAR = re.compile(r"(?<!\d)(20\d\d)(?:([/-])(\d\d))?(?!\d)")


def next_years_name(name: str) -> str:
    """A suggested name for the copy: each year in it moved on by one ('Certificate 2026/27' becomes
    'Certificate 2027/28'); a name with no year is left for the course leader to change."""

    def bump(match: re.Match) -> str:
        year, joiner, short = match.groups()
        moved = str(int(year) + 1)
        return moved + (f"{joiner}{(int(short) + 1) % 100:02d}" if short else "")

    return _YEAR.sub(bump, name)
