"""Read-side lookups for cohorts."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.accounts.models import Role
from core.db.timeutil import utcnow
from core.extensions import db
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, CohortSession, MemberRole
from qualification.permissions import can_manage_cohort, can_view_cohort
from qualification.versions.models import QualificationVersion, VersionStatus


def cohorts_for(user) -> list[Cohort]:
    """The cohorts this person runs, teaches, assesses or studies in (all of them for course leaders)."""
    query = select(Cohort).order_by(Cohort.start_date.desc(), Cohort.name)
    if not user.has_role(Role.COURSE_LEADER, Role.ADMIN):
        query = query.where(
            Cohort.id.in_(select(CohortMember.cohort_id).where(CohortMember.user_id == user.id))
        )
    return list(db.session.scalars(query))


def load_cohort(cohort_id: int) -> Cohort | None:
    """A cohort with its members and sessions, in a fixed number of queries."""
    return db.session.scalar(
        select(Cohort)
        .where(Cohort.id == cohort_id)
        .options(selectinload(Cohort.members), selectinload(Cohort.sessions))
    )


def allocations(cohort: Cohort) -> dict[int, int]:
    """candidate id -> assessor id."""
    return dict(
        db.session.execute(
            select(AssessorAllocation.candidate_id, AssessorAllocation.assessor_id).where(
                AssessorAllocation.cohort_id == cohort.id
            )
        ).all()
    )


def published_offers() -> list[tuple[str, str, QualificationVersion]]:
    """(value, label, version) for every award and CPD module of every published version."""
    versions = db.session.scalars(
        select(QualificationVersion)
        .where(QualificationVersion.status == VersionStatus.PUBLISHED)
        .order_by(QualificationVersion.id.desc())
    )
    offers = []
    for version in versions:
        tag = f"{version.qualification.code} v{version.number}"
        offers += [(f"{version.id}:award:{a.code}", f"{a.title} ({tag})", version) for a in version.awards]
        offers += [
            (f"{version.id}:module:{link.code}", f"CPD: {link.code} {link.module.title} ({tag})", version)
            for link in version.module_links
            if link.module.cpd
        ]
    return offers


def find_calendar(token: str) -> Cohort | None:
    """The cohort whose published calendar has this address."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Cohort).where(Cohort.calendar_token == token))


def cohort_panel(user) -> dict | None:
    """A candidate's cohorts, their next sessions and deadlines (a fixed number of queries)."""
    if not user.has_role(Role.CANDIDATE):
        return None
    cohorts = list(
        db.session.scalars(
            select(Cohort)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(CohortMember.user_id == user.id, CohortMember.role == MemberRole.CANDIDATE)
            .order_by(Cohort.start_date)
        )
    )
    if not cohorts:
        return None
    upcoming = list(
        db.session.scalars(
            select(CohortSession)
            .where(CohortSession.cohort_id.in_([c.id for c in cohorts]), CohortSession.ends_at >= utcnow())
            .order_by(CohortSession.starts_at)
            .limit(3)
        )
    )
    return {"template": "qualification/cohorts/_home_panel.html", "cohorts": cohorts, "upcoming": upcoming}


def cohort_or_404(cohort_id: int, *, manage: bool = False):
    cohort = load_cohort(cohort_id)
    # 404, not 403: people outside a cohort should not learn that it exists.
    if cohort is None or not can_view_cohort(current_user, cohort):
        abort(404)
    if manage and not can_manage_cohort(current_user, cohort):
        abort(403)
    return cohort
