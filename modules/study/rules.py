"""Pure rules of studying: where a person carries on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

A = TypeVar("A")

# Lengths checked by the services and given to the forms (maxlength), so the two cannot drift apart.
MAX_REFLECTION_CHARS = 50_000
MAX_NOTE_CHARS = 500


def quiz_passed(score: int, max_score: int, *, try_is_enough: bool = False) -> bool:
    """Whether a try finishes a knowledge check: every answer right in one try, or, where its author set
    "a try is enough" (`Activity.try_is_enough`), any complete try (every question answered, right or not).
    There is no pass mark; retakes are unlimited and the explanations show the right answers."""
    return max_score > 0 and (try_is_enough or score >= max_score)


def resume_at(activities: Sequence[A], done: set[int], remembered_id: int | None) -> A | None:
    """Where to carry on in one module: the remembered activity if unfinished, else the first one not done."""
    for activity in activities:
        if activity.id == remembered_id and activity.id not in done:
            return activity
    return next((a for a in activities if a.id not in done), None)


def starting_from(activities: list[A], start: A | None) -> list[A]:
    """The activities in study order, turned round so that the list begins at `start`."""
    if start is None or start not in activities:
        return activities
    at = activities.index(start)
    return activities[at:] + activities[:at]
