"""Field rules of cohorts, shared by the forms and the services (each rule and its message written once);
the even spread of candidates over assessors; the days a break in learning pauses. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from core.validation import Text, title_rule

COHORT_NAME = title_rule(200, "Give the cohort a name of up to 200 characters.")
SCHOOL = Text(200, "Enter a school name of up to 200 characters.")  # optional: a candidate may have none
MIN_TURNAROUND, MAX_TURNAROUND = 1, 120  # working days (the cohorts table's CHECK)
TURNAROUND_MESSAGE = "Enter a number of days from 1 to 120."


def turnaround_problem(days: int | None) -> str | None:
    """Why this is not a turnaround target (1 to 120 working days), or None."""
    return None if isinstance(days, int) and MIN_TURNAROUND <= days <= MAX_TURNAROUND else TURNAROUND_MESSAGE


def date_problems(start: date, end: date | None, choice_deadline: date | None) -> dict[str, str]:
    """What is wrong with a cohort's dates, by field: the end and the option deadline come after the start."""
    problems = {}
    if end is not None and end < start:
        problems["end_date"] = "The cohort cannot end before it starts."
    if choice_deadline is not None and choice_deadline < start:
        problems["choice_deadline"] = "The deadline for choosing options cannot be before the cohort starts."
    elif choice_deadline is not None and end is not None and choice_deadline > end:
        problems["choice_deadline"] = "The deadline for choosing options cannot be after the cohort ends."
    return problems


def even_spread_choice(loads: dict[int, tuple[int, str]], candidate_id: int | None = None) -> int | None:
    """The assessor who gets the next candidate: the fewest candidates, ties by name (then id).

    `loads` maps each of the cohort's assessors to (candidates allocated, name); nobody assesses themselves.
    """
    choices = [a for a in loads if a != candidate_id]
    if not choices:
        return None
    return min(choices, key=lambda a: (loads[a][0], loads[a][1].casefold(), a))


# Breaks in learning: the days a candidate's clocks stand still ---------------------------------------------
#
# A break covers the days from its first day up to, not including, the day the candidate came back
# (`ends_on`); an open break (`ends_on` None) covers every day from its first. Anything with `starts_on` and
# `ends_on` will do: the rows of learning_breaks, or (start, end) pairs made into BreakSpan.


class Span(Protocol):
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class BreakSpan:
    starts_on: date
    ends_on: date | None = None


def on_break(breaks: Iterable[Span], day: date) -> bool:
    """Whether the candidate was (or is) away on this day."""
    return any(b.starts_on <= day and (b.ends_on is None or day < b.ends_on) for b in breaks)


def paused_days(
    breaks: Iterable[Span],
    until: date,
    *,
    since: date | None = None,
    counts: Callable[[date], bool] | None = None,
) -> int:
    """The days d with since < d <= until spent on a break (every such day when `since` is None).

    `counts` keeps only some days: the assessors' turnaround passes its working-day rule, so a break over a
    weekend pauses no working days. Overlapping breaks count a day once.
    """
    days: set[date] = set()
    for b in breaks:
        first = b.starts_on if since is None else max(b.starts_on, since + timedelta(days=1))
        last = until if b.ends_on is None else min(until, b.ends_on - timedelta(days=1))
        day = first
        while day <= last:
            if counts is None or counts(day):
                days.add(day)
            day += timedelta(days=1)
    return len(days)


def shift_for_breaks(due: date, breaks: Iterable[Span], *, today: date) -> date:
    """A deadline moved on by the breaks that began on or before it, so the time a candidate had left when
    they went away is the time they have left when they come back.

    A break that is still open has lasted up to today: while the candidate is away their deadline moves a
    day later each day. A break that began after the deadline had passed does not move it.
    """
    for b in sorted(breaks, key=lambda b: b.starts_on):
        if b.starts_on > due:
            continue
        back = b.ends_on if b.ends_on is not None else max(today, b.starts_on) + timedelta(days=1)
        due += back - b.starts_on
    return due
