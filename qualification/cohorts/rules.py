"""Field rules of cohorts, shared by the forms and the services (each rule and its message written once)."""

from __future__ import annotations

from core.validation import Text, title_rule

COHORT_NAME = title_rule(200, "Give the cohort a name of up to 200 characters.")
SCHOOL = Text(200, "Enter a school name of up to 200 characters.")  # optional: a candidate may have none


def even_spread_choice(loads: dict[int, tuple[int, str]], candidate_id: int | None = None) -> int | None:
    """The assessor who gets the next candidate: the fewest candidates, ties by name (then id).

    `loads` maps each of the cohort's assessors to (candidates allocated, name); nobody assesses themselves.
    """
    choices = [a for a in loads if a != candidate_id]
    if not choices:
        return None
    return min(choices, key=lambda a: (loads[a][0], loads[a][1].casefold(), a))
