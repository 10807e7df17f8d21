"""Field rules of cohorts, shared by the forms and the services (each rule and its message written once)."""

from __future__ import annotations

from datetime import date

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
