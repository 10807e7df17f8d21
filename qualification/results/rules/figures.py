"""The cohort report's figures, worked out from its rows and events. Pure: no Flask, no database.

Membership in words, the credits distribution, counts per week, the median turnaround of each assessor and
progress against the calendar. core/web/charts.py draws them; these say what the numbers are.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

INVITED, JOINED = "Invited", "Joined"
NOT_ALLOCATED = "none"  # the assessor filter's value for candidates with no assessor
MAX_BARS = 12  # more distinct credit totals than this are grouped into ranges


def membership_state(joined: bool, status: str | None = None) -> str:
    """How a candidate stands in the cohort: their membership's status in words when they are not studying
    ("On a break in learning", "Withdrawn"), else whether they have accepted their invitation."""
    if status:
        return status
    return JOINED if joined else INVITED


def states_in_order(states: Iterable[str]) -> list[str]:
    """The states present, invited and joined first, then any others by name."""
    present = set(states)
    return [s for s in (INVITED, JOINED) if s in present] + sorted(present - {INVITED, JOINED})


def credit_bands(
    credits: Sequence[int] | Mapping[int, int], step: int = 1, goal: int = 0
) -> list[tuple[str, int]]:
    """How many candidates have each credit total (given a total per candidate, or how many have each), from
    0 up to the larger of the highest total and the goal (the award's credits), in steps of `step` (the size
    modules come in: 15 gives 0, 15, 30...), so a total nobody has shows as an empty bar; ranges ("1-20")
    when that would be more than MAX_BARS bars."""
    if not credits:
        return []
    counts = Counter(credits)
    top = max(max(counts), goal)
    step = max(step, 1)
    if top // step + 1 <= MAX_BARS:
        return [
            (str(low), sum(n for total, n in counts.items() if low <= total < low + step))
            for low in range(0, top + 1, step)
        ]
    width = step * math.ceil(top / step / (MAX_BARS - 1))  # the 0 band, then ranges of whole steps
    bands = [("0", counts.get(0, 0))]
    for low in range(1, top + 1, width):
        high = low + width - 1
        bands.append((f"{low}-{high}", sum(n for total, n in counts.items() if low <= total <= high)))
    return bands


def week_of(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def weeks_between(first: date, last: date) -> list[date]:
    """Every Monday from the week of `first` to the week of `last`."""
    start, end = week_of(first), week_of(last)
    return [start + timedelta(weeks=n) for n in range((end - start).days // 7 + 1)]


def per_week(days: Iterable[date] | Mapping[date, int], weeks: Sequence[date]) -> list[int]:
    """How many of the days (or of the events counted per day) fall in each week (days outside the weeks are
    not counted)."""
    counts: Counter[date] = Counter()
    for day, n in Counter(days).items():  # thousands of events fall on a few hundred days
        counts[week_of(day)] += n
    return [counts.get(week, 0) for week in weeks]


@dataclass(frozen=True)
class Turnaround:
    assessor: str
    median_days: float
    decisions: int


def turnaround_by_assessor(decisions: Iterable[tuple[str, int] | tuple[str, int, int]]) -> list[Turnaround]:
    """The median working days each assessor took from sending to decision, slowest first; each decision
    given as (assessor, days), or as (assessor, days, how many decisions took that long)."""
    days: dict[str, list[int]] = {}
    for assessor, waited, *times in decisions:
        days.setdefault(assessor, []).extend([waited] * (times[0] if times else 1))
    found = [Turnaround(a, float(statistics.median(d)), len(d)) for a, d in days.items()]
    return sorted(found, key=lambda t: (-t.median_days, t.assessor))


def last_sessions(sessions: Iterable[tuple[date, Sequence[str]]]) -> dict[str, date]:
    """module code -> the day of its last session in the calendar (a module with no session is absent)."""
    last: dict[str, date] = {}
    for day, codes in sessions:
        for code in codes:
            last[code] = max(day, last.get(code, day))
    return last


def calendar_progress(
    weeks: Sequence[date],
    taught: Mapping[str, date],
    achieved: Sequence[Mapping[str, date]],
) -> tuple[list[int], list[float]]:
    """Per week (to its Sunday): how many modules the calendar has finished teaching, and how many modules a
    candidate has achieved on average by then."""
    firsts = Counter(day for mine in achieved for day in mine.values())
    return calendar_progress_counted(weeks, taught, firsts, len(achieved))


def calendar_progress_counted(
    weeks: Sequence[date], taught: Mapping[str, date], firsts: Mapping[date, int], candidates: int
) -> tuple[list[int], list[float]]:
    """calendar_progress from how many modules were first achieved each day by so many candidates."""
    finished, average = [], []
    days = sorted(firsts)
    running = list(accumulate(firsts[day] for day in days))
    for week in weeks:
        sunday = week + timedelta(days=6)
        finished.append(sum(1 for day in taught.values() if day <= sunday))
        reached = bisect_right(days, sunday)  # days is sorted
        done = running[reached - 1] if reached else 0
        average.append(round(done / candidates, 2) if candidates else 0.0)
    return finished, average
