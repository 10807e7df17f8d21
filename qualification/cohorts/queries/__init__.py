"""Read-side lookups for cohorts; the one role context every permission predicate reads is in roles.py and
answers here too (`cohort_roles`, `request_cached`, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from flask import abort
from flask_login import current_user
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from core.accounts.models import Role, User
from core.db.postgres import prepared
from core.db.timeutil import UK, uk_today, utcnow
from core.extensions import db
from qualification.booking.models import BookingStatus, SessionBooking
from qualification.cohorts.models import (
    LEFT,
    AssessorAllocation,
    Cohort,
    CohortClosure,
    CohortMember,
    CohortSession,
    MemberRole,
    MemberStatus,
    SessionStatus,
)
from qualification.cohorts.queries.roles import (
    cohort_roles,
    forget_cohort_roles,
    iqa_cohort_ids,
    member_cohort_ids,
    request_cached,
)
from qualification.membership.models import LearningBreak
from qualification.pathway.models import PathwayChoice
from qualification.permissions import can_manage_cohort, can_view_cohort
from qualification.versions.models import Award, AwardRule, OptionGroup, QualificationVersion, VersionStatus


def visible_cohorts(user):
    """A select of the cohorts this person runs, teaches, assesses or studies in (all of them for course
    leaders), unordered: the page lists them by date, the API pages them by id."""
    query = select(Cohort)
    if not user.has_role(Role.COURSE_LEADER, Role.ADMIN):
        query = query.where(
            Cohort.id.in_(select(CohortMember.cohort_id).where(CohortMember.user_id == user.id))
        )
    return query


def cohorts_for(user) -> list[Cohort]:
    """The cohorts this person runs, teaches, assesses or studies in (all of them for course leaders)."""
    return list(db.session.scalars(visible_cohorts(user).order_by(Cohort.start_date.desc(), Cohort.name)))


def load_cohort(cohort_id: int) -> Cohort | None:
    """A cohort with its members and sessions, in a fixed number of queries."""
    query = (
        select(Cohort)
        .where(Cohort.id == cohort_id)
        .options(selectinload(Cohort.members), selectinload(Cohort.sessions))
    )
    return db.session.scalars(with_closures(query)).unique().first()


def with_closures(query):
    """A query of cohorts that also loads their closure days, in the same statement (turnaround needs them);
    read it with `.unique()`."""
    # Appended to the caller's order: the cohorts keep theirs, each cohort's closures come by date.
    return (
        query.outerjoin(Cohort.closures)
        .options(contains_eager(Cohort.closures))
        .order_by(CohortClosure.first_day)
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


def assessor_of(cohort_id: int | None, candidate_id: int):
    """The assessor allocated to the candidate in the cohort (who has their work), or None."""
    assessor_id = cohort_roles(cohort_id, candidate_id).allocated_assessor_id
    return db.session.get(User, assessor_id) if assessor_id is not None else None


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


def _choice_missing():
    """SQL (per cohort member row): an award cohort whose award (or an award it includes) has an option group
    that needs credits, and the candidate has chosen no option yet."""
    award, included, rule_row = aliased(Award), aliased(Award), aliased(AwardRule)
    award_codes = (
        select(rule_row.code)
        .join(award, award.id == rule_row.award_id)
        .where(
            award.version_id == Cohort.version_id,
            award.code == Cohort.award_code,
            rule_row.kind == "includes",
        )
        .correlate(Cohort)
    )
    needs_options = (
        select(OptionGroup.id)
        .join(included, included.id == OptionGroup.award_id)
        .where(
            included.version_id == Cohort.version_id,
            or_(included.code == Cohort.award_code, included.code.in_(award_codes)),
            OptionGroup.min_credits > 0,
        )
        .correlate(Cohort)
        .exists()
    )
    chosen = (
        select(PathwayChoice.id).where(PathwayChoice.member_id == CohortMember.id).correlate(CohortMember)
    )
    return and_(Cohort.award_code.is_not(None), needs_options, ~chosen.exists())


# The home page's statements are built once (functools.cache): every candidate's home page runs them, and
# building them costs more than running them.
@cache
def _memberships_statement():
    away = LearningBreak
    return prepared(
        select(
            Cohort,
            _choice_missing().label("choice_missing"),
            CohortMember.status,
            CohortMember.withdrawn_at,
            away.starts_on,
            away.expected_return_on,
        )
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .outerjoin(away, and_(away.member_id == CohortMember.id, away.ends_on.is_(None)))
        .where(
            CohortMember.user_id == bindparam("user_id"),
            CohortMember.role == MemberRole.CANDIDATE,
            # A cohort they moved out of is history: their work went with them to the new one.
            CohortMember.status != MemberStatus.TRANSFERRED,
        )
        .order_by(Cohort.start_date)
    )


@cache
def _coming_sessions_statement():
    booked = (
        select(SessionBooking.id)
        .where(
            SessionBooking.session_id == CohortSession.id,
            SessionBooking.candidate_id == bindparam("user_id"),
            SessionBooking.status == BookingStatus.BOOKED,
        )
        .exists()
    )
    coming = (
        select(
            CohortSession.id.label("id"),
            booked.label("booked"),
            func.row_number().over(order_by=(CohortSession.starts_at, CohortSession.id)).label("n"),
        )
        .where(
            CohortSession.cohort_id.in_(bindparam("cohort_ids", expanding=True)),
            CohortSession.ends_at >= bindparam("now"),
            # A cancelled session is still shown to those booked on it (they were told), to no one else.
            or_(CohortSession.status == SessionStatus.SCHEDULED, booked),
        )
        .subquery()
    )
    return prepared(
        select(CohortSession, coming.c.booked)
        .join(coming, coming.c.id == CohortSession.id)
        .where(or_(coming.c.booked, coming.c.n <= 3))
        .order_by(CohortSession.starts_at, CohortSession.id)
    )


def cohort_panel(user) -> dict | None:
    """A candidate's cohorts, their deadlines (the option choice, with a reminder when no option is chosen
    yet), the sessions they booked and the next ones (two queries)."""
    if not user.has_role(Role.CANDIDATE):
        return None
    today = uk_today()
    rows = db.session.execute(_memberships_statement(), {"user_id": user.id}).all()
    if not rows:
        return None
    # What the candidate must be told first: a break (their clocks stand still) or a withdrawal (read-only).
    standing = {
        cohort.id: Standing(status, withdrawn_at and withdrawn_at.astimezone(UK).date(), starts_on, expected)
        for cohort, _, status, withdrawn_at, starts_on, expected in rows
        if status != MemberStatus.ACTIVE
    }
    current = [row for row in rows if row.status not in LEFT]
    cohorts = [row[0] for row in rows]
    # Options still to choose, with the deadline still ahead (or none set): the reminder.
    to_choose = [
        cohort
        for cohort, missing, *_ in current
        if missing and (cohort.choice_deadline is None or cohort.choice_deadline >= today)
    ]
    # The sessions still to come: those the candidate booked, and the next three of their cohorts.
    sessions = db.session.execute(
        _coming_sessions_statement(),
        {"user_id": user.id, "cohort_ids": [row[0].id for row in current], "now": utcnow()},
    ).all()
    return {
        "template": "qualification/cohorts/_home_panel.html",
        "cohorts": cohorts,
        "standing": standing,
        "to_choose": to_choose,
        "booked": [s for s, is_booked in sessions if is_booked],
        "upcoming": [s for s, is_booked in sessions if not is_booked],
        "today": today,
    }


@dataclass(frozen=True)
class Standing:
    """A candidate's membership when it is not simply "studying": on a break since, or withdrawn when."""

    status: MemberStatus
    withdrawn_on: date | None = None
    break_started: date | None = None
    expected_back: date | None = None


def cohort_modules(cohort: Cohort) -> list[tuple[str, str]]:
    """(code, title) of the modules the cohort studies, in the qualification's order: its CPD module, or
    every compulsory and optional module of its award and the awards that award includes."""
    version = cohort.qualification_version
    if cohort.module_code:
        wanted = {cohort.module_code}
    else:
        awards = {a.code: a for a in version.awards}
        wanted, todo, seen = set(), [cohort.award_code], set()
        while todo:
            award = awards.get(todo.pop())
            if award is None or award.code in seen:
                continue
            seen.add(award.code)
            wanted.update(award.codes("compulsory"))
            wanted.update(code for group in award.option_groups for code in group.module_codes)
            todo += award.codes("includes")
    return [(link.code, link.module.title) for link in version.module_links if link.code in wanted]


def cohort_or_404(cohort_id: int, *, manage: bool = False):
    cohort = load_cohort(cohort_id)
    # 404, not 403: people outside a cohort should not learn that it exists.
    if cohort is None or not can_view_cohort(current_user, cohort):
        abort(404)
    if manage and not can_manage_cohort(current_user, cohort):
        abort(403)
    return cohort


def session_or_404(cohort: Cohort, session_id: int) -> CohortSession:
    """One of the cohort's sessions (loaded with it); a session of another cohort is as unknown as none."""
    session = next((s for s in cohort.sessions if s.id == session_id), None)
    if session is None:
        abort(404)
    return session


def candidate_cohorts(
    user_id: int, *, awards_only: bool = False, newest_first: bool = False, leaving_out=()
) -> list[Cohort]:
    """The cohorts the person is a candidate in (awards_only: not CPD-module cohorts), by start date, less
    those where their membership has one of the `leaving_out` statuses (MemberStatus)."""
    query = (
        select(Cohort)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(
            CohortMember.user_id == user_id,
            CohortMember.role == MemberRole.CANDIDATE,
            CohortMember.status.not_in(list(leaving_out)),
        )
        .order_by(Cohort.start_date.desc() if newest_first else Cohort.start_date, Cohort.id)
    )
    if awards_only:
        query = query.where(Cohort.award_code.is_not(None))
    return list(db.session.scalars(query))


# The cohort in words, for email ---------------------------------------------------------------------------


def studies_of(cohort: Cohort) -> str:
    """What the cohort studies, in words: the award (or the CPD module) and the qualification's title."""
    version = cohort.qualification_version
    if cohort.award_code:
        award = next((a for a in version.awards if a.code == cohort.award_code), None)
        studied = award.title if award else cohort.award_code
    else:
        link = next((m for m in version.module_links if m.code == cohort.module_code), None)
        studied = f"{cohort.module_code} {link.module.title if link else ''}".strip() + " as CPD"
    return f"{studied} ({version.title})"


def cohort_about(cohort_id: int | None) -> str:
    """The cohort and what it studies, for a notification about its work ("" when there is no cohort)."""
    cohort = db.session.get(Cohort, cohort_id) if cohort_id is not None else None
    return f"{cohort.name}, studying {studies_of(cohort)}" if cohort is not None else ""


__all__ = ["cohort_roles", "forget_cohort_roles", "iqa_cohort_ids", "member_cohort_ids", "request_cached"]
