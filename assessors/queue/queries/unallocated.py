"""The queue's Unallocated side: how much work waits with no allocated assessor, per cohort or candidate.

The same branches as an assessor's queue (sources.py), for the candidates of some cohorts with nobody
allocated; each count is one statement, built once.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import func, select, union_all

from assessors.permissions import can_see_unallocated
from assessors.queue.queries.sources import OWNER, QueueFilters, owner_param, sources
from core.extensions import db
from qualification.cohorts.queries import cohort_roles
from qualification.permissions import can_manage_cohort


@lru_cache(maxsize=8)
def _unallocated_statement(dialect: str, column: str):
    """How many items wait with no allocated assessor per value of `column`: SQL built once, run with the
    cohort ids as OWNER."""
    del dialect  # in the key only: the branches are written for the engine's dialect
    merged = union_all(
        *[
            query.with_only_columns(query.selected_columns[column])
            for query, _ in sources(owner_param(True), QueueFilters())
        ]
    ).subquery()
    per = merged.c[column]
    return select(per, func.count()).group_by(per)


def _unallocated_per(cohort_ids, column: str) -> dict[int, int]:
    """How many items wait with no allocated assessor in these cohorts, per value of one of the branches'
    columns ("cohort_id", "candidate_id"), in one query; values with none left out."""
    ids = list(cohort_ids)
    if not ids:
        return {}
    statement = _unallocated_statement(db.engine.dialect.name, column)
    return dict(db.session.execute(statement, {OWNER: ids}).all())


def unallocated_counts(cohort_ids) -> dict[int, int]:
    """How many items wait with no allocated assessor, per cohort (one query); cohorts with none left out."""
    return _unallocated_per(cohort_ids, "cohort_id")


def unallocated_by_candidate(cohort_id: int) -> dict[int, int]:
    """candidate id -> how many of their items wait in the cohort's Unallocated queue (one query).
    Registered in app.extensions["waymark_unallocated_work"], so the portfolio can tell the course leader
    when work starts to wait with nobody, by the queue's own rule."""
    return _unallocated_per([cohort_id], "candidate_id")


def unallocated_count(user, cohort_id: int) -> int | None:
    """How many items wait in the cohort's Unallocated queue, or None when the person may not see it."""
    # A course leader needs no role context (one statement fewer on the cohort page).
    if not (can_manage_cohort(user) or can_see_unallocated(user, cohort_roles(cohort_id))):
        return None
    return unallocated_counts([cohort_id]).get(cohort_id, 0)
