"""The turnaround cutoffs of a queue: the moments before which waiting work is overdue today, per cohort and
per candidate back from a break in learning, and the SQL that tests a row against them (`late`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, false, or_, tuple_

from assessors.queue.rules import Turnaround


@dataclass(frozen=True)
class Cutoffs:
    """The moments before which waiting work is overdue today: per cohort (its turnaround target), and per
    candidate who has had a break in learning (their break's working days left out; None while they are away,
    when nothing of theirs is overdue)."""

    by_cohort: dict[int | None, datetime]
    by_candidate: dict[tuple[int, int], datetime | None] = field(default_factory=dict)


def cutoffs_for(
    targets: dict[int | None, Turnaround], today: date, breaks: dict[tuple[int, int], list]
) -> Cutoffs:
    """Today's cutoffs of these cohorts (id -> turnaround: target and closure days), and of their candidates
    with breaks."""
    return Cutoffs(
        {cid: turnaround.cutoff(today) for cid, turnaround in targets.items()},
        {key: targets.get(key[0], Turnaround()).cutoff(today, spans) for key, spans in breaks.items()},
    )


def late(cohort_col, candidate_col, waiting, cutoffs: Cutoffs):
    """SQL: the row has waited past its cohort's turnaround target (each cohort has its own cutoff, and a
    candidate back from a break their own)."""
    own = list(cutoffs.by_candidate)
    special = tuple_(cohort_col, candidate_col).in_(own) if own else false()
    found = [
        and_(cohort_col.is_(None) if cid is None else cohort_col == cid, waiting < moment, ~special)
        for cid, moment in cutoffs.by_cohort.items()
    ]
    found += [
        and_(cohort_col == cid, candidate_col == uid, waiting < moment)
        for (cid, uid), moment in cutoffs.by_candidate.items()
        if moment is not None
    ]
    return or_(*found) if found else false()


def frozen(cutoffs: Cutoffs) -> tuple:
    """The cutoffs as a cache key (statements that read them are built once per day and cohort set)."""
    return (tuple(sorted(cutoffs.by_cohort.items(), key=repr)), tuple(sorted(cutoffs.by_candidate.items())))


def thawed(frozen: tuple) -> Cutoffs:
    by_cohort, by_candidate = frozen
    return Cutoffs(dict(by_cohort), dict(by_candidate))
