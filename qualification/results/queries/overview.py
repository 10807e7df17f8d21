"""The report across a course leader's cohorts: one line per cohort with its totals, in a fixed number of
queries whatever the number of cohorts or candidates (the cohort report's own loaders, given every cohort)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.extensions import db
from qualification.cohorts.models import Cohort
from qualification.results.queries.report import Column, Totals, candidate_rows, column_groups, totals_of
from qualification.versions.models import QualificationVersion
from qualification.versions.services import specs_of_versions


@dataclass(frozen=True)
class Overview:
    lines: list[tuple[Cohort, Totals]]
    columns: list[Column]
    total: Totals
    everyone: bool  # every cohort, not only those the person leads


def cohorts_led(user_id: int, everyone: bool) -> list[Cohort]:
    """The cohorts this person leads (every cohort when asked for), newest first, with their versions."""
    query = select(Cohort).options(
        joinedload(Cohort.qualification_version).joinedload(QualificationVersion.qualification)
    )
    if not everyone:
        query = query.where(Cohort.course_leader_id == user_id)
    return list(db.session.scalars(query.order_by(Cohort.start_date.desc(), Cohort.name)))


def overview(cohorts: Sequence[Cohort], registered: Iterable = (), *, everyone: bool = False) -> Overview:
    """Each cohort's totals and the totals of them all."""
    groups = column_groups(registered)
    columns = [column for group in groups for column in group.columns]
    specs = specs_of_versions(c.qualification_version for c in cohorts)
    rows = candidate_rows(cohorts, {c.version_id: specs[c.version_id] for c in cohorts}, groups)
    lines = [(cohort, totals_of(rows[cohort.id], columns)) for cohort in cohorts]
    return Overview(lines, columns, totals_of([r for cid in rows for r in rows[cid]], columns), everyone)
