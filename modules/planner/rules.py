"""The study planner: activities that fit the minutes a candidate has tonight (pure: no database)."""

from __future__ import annotations

from dataclasses import dataclass

from modules.content.models import Activity, ActivityKind


@dataclass(frozen=True)
class Plan:
    activities: tuple[Activity, ...]
    minutes: int
    budget: int
    skipped_longer: tuple[Activity, ...]  # next steps that need more time than tonight allows

    @property
    def spare(self) -> int:
        return self.budget - self.minutes


def plan_evening(queue: list[Activity], budget: int) -> Plan:
    """Take activities in study order while they fit the budget.

    The order matters (each builds on the one before), so a long activity is not jumped over lightly:
    later ones are only taken when they do not wait for it. Sessions are scheduled events, not evening
    work, so they are never planned.
    """
    chosen: list[Activity] = []
    skipped: list[Activity] = []
    used = 0
    for activity in queue:
        if activity.kind == ActivityKind.SESSION:
            continue
        if used + activity.minutes <= budget:
            if activity.requires_previous and skipped:
                # It waits for an activity we skipped tonight, so it cannot be done before that one.
                continue
            chosen.append(activity)
            used += activity.minutes
        else:
            skipped.append(activity)
        if used == budget:
            break
    return Plan(tuple(chosen), used, budget, tuple(skipped[:3]))
