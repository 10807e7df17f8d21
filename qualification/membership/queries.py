"""Where a candidate stands in their cohorts: whether they may still change their work (a withdrawn
candidate reads, never writes), their breaks in learning, and the loaders of the membership pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import aliased

from core.db.timeutil import UK, long_date
from core.errors import require
from core.extensions import db
from qualification.cohorts.models import LEFT, Cohort, CohortMember, MemberRole, MemberStatus
from qualification.cohorts.queries import request_cached
from qualification.cohorts.rules import BreakSpan
from qualification.membership.models import LearningBreak
from qualification.permissions import can_manage_cohort, is_read_only


@dataclass(frozen=True)
class Membership:
    """One of a person's candidate memberships, as the refusal messages name it."""

    cohort_id: int
    cohort_name: str
    status: MemberStatus
    withdrawn_on: date | None
    moved_to: str | None  # the cohort a transferred candidate moved to


def memberships_of(user_id: int) -> tuple[Membership, ...]:
    """The person's candidate memberships, newest first (one query, once per request)."""

    def load() -> tuple[Membership, ...]:
        moved, new_cohort = aliased(CohortMember), aliased(Cohort)
        rows = db.session.execute(
            select(
                CohortMember.cohort_id,
                Cohort.name,
                CohortMember.status,
                CohortMember.withdrawn_at,
                new_cohort.name,
            )
            .join(Cohort, Cohort.id == CohortMember.cohort_id)
            .outerjoin(moved, moved.id == CohortMember.transferred_to_id)
            .outerjoin(new_cohort, new_cohort.id == moved.cohort_id)
            .where(CohortMember.user_id == user_id, CohortMember.role == MemberRole.CANDIDATE)
            .order_by(CohortMember.added_at.desc(), CohortMember.id.desc())
        )
        return tuple(
            Membership(cid, name, status, when and when.astimezone(UK).date(), moved_to)
            for cid, name, status, when, moved_to in rows
        )

    return request_cached(("memberships_of", user_id), load)


def _refusal_of(membership: Membership) -> str:
    if membership.status == MemberStatus.TRANSFERRED:
        return (
            f"You moved from {membership.cohort_name} to {membership.moved_to or 'another cohort'}, and your "
            f"work moved with you: do this in {membership.moved_to or 'your new cohort'} instead."
        )
    since = f" since {long_date(membership.withdrawn_on)}" if membership.withdrawn_on else ""
    return (
        f"You are withdrawn from {membership.cohort_name}{since}, so your access there is read-only: you can "
        "read and download your portfolio, results and transcript, but nothing can be submitted, uploaded, "
        "claimed, booked or posted. If this is wrong, ask your course leader."
    )


def refusal(user, cohort_id: int | None = None) -> str | None:
    """Why this person may not change their work, if they may not: their membership of the cohort has ended,
    or (no cohort given: their portfolio) every membership has."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    mine = memberships_of(user.id)
    if cohort_id is not None:
        mine = tuple(m for m in mine if m.cohort_id == cohort_id)
    if not is_read_only([m.status for m in mine]):
        return None
    return _refusal_of(next(m for m in mine if m.status in LEFT))


def require_writable(user, cohort_id: int | None = None) -> None:
    """Refuse (403, with the reason) a change by a candidate who has left: withdrawn from the cohort, or moved
    out of it; with no cohort, one whose every membership has ended (their portfolio is read-only)."""
    message = refusal(user, cohort_id)
    require(message is None, message or "")


def withdrawn(cohort_col, candidate_col):
    """SQL: the candidate is withdrawn from the cohort (their waiting work is kept, in nobody's queue)."""
    return exists().where(
        CohortMember.cohort_id == cohort_col,
        CohortMember.user_id == candidate_col,
        CohortMember.role == MemberRole.CANDIDATE,
        CohortMember.status == MemberStatus.WITHDRAWN,
    )


# Built once: every queue page and the assessor's home read it (the report adds its page's candidates).
_BREAK_SPANS = (
    select(CohortMember.cohort_id, CohortMember.user_id, LearningBreak.starts_on, LearningBreak.ends_on)
    .join(LearningBreak, LearningBreak.member_id == CohortMember.id)
    .where(CohortMember.cohort_id.in_(bindparam("cohort_ids", expanding=True)))
)


def break_spans(cohort_ids, candidates=None) -> dict[tuple[int, int], list[BreakSpan]]:
    """(cohort id, candidate id) -> their breaks in learning, for the candidates of these cohorts (those
    given: ids or a query of them; else every one) who have had one (one query): the turnaround clocks of
    their waiting work stand still on those days."""
    ids = list(cohort_ids)
    if not ids:
        return {}
    query = _BREAK_SPANS
    if candidates is not None:
        query = query.where(CohortMember.user_id.in_(candidates))
    rows = db.session.execute(query, {"cohort_ids": ids})
    spans: dict[tuple[int, int], list[BreakSpan]] = {}
    for cohort_id, user_id, starts_on, ends_on in rows:
        spans.setdefault((cohort_id, user_id), []).append(BreakSpan(starts_on, ends_on))
    return spans


def breaks_of(member: CohortMember) -> list[LearningBreak]:
    """The membership's breaks, latest first."""
    return list(
        db.session.scalars(
            select(LearningBreak)
            .where(LearningBreak.member_id == member.id)
            .order_by(LearningBreak.starts_on.desc(), LearningBreak.id.desc())
        )
    )


def open_break(member: CohortMember) -> LearningBreak | None:
    """The break the candidate is on now, if any."""
    return db.session.scalar(
        select(LearningBreak).where(LearningBreak.member_id == member.id, LearningBreak.ends_on.is_(None))
    )


def membership_or_404(cohort_id: int, candidate_id: int) -> CohortMember:
    """A candidate's membership of a cohort, for those who manage the cohort (404 for anyone else)."""
    member = db.session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort_id,
            CohortMember.user_id == candidate_id,
            CohortMember.role == MemberRole.CANDIDATE,
        )
    )
    if member is None or not can_manage_cohort(current_user, member.cohort):
        abort(404)
    return member


def transfer_choices(member: CohortMember) -> list[Cohort]:
    """The other cohorts, those of the same qualification and award first, then by start (newest first): where
    the candidate could move. The service says plainly why one that does not fit is refused."""
    here = member.cohort
    others = db.session.scalars(
        select(Cohort).where(Cohort.id != here.id).order_by(Cohort.start_date.desc(), Cohort.name)
    ).all()

    def fits(cohort: Cohort) -> bool:
        same = cohort.qualification_version.qualification_id == here.qualification_version.qualification_id
        return same and (cohort.award_code, cohort.module_code) == (here.award_code, here.module_code)

    return sorted(others, key=lambda c: not fits(c))


def candidates_left(today: date) -> dict[int, date]:
    """Candidates who have left every cohort they were in, and the day they left: a membership ends when the
    candidate withdraws or transfers (the day it was recorded) or when its cohort's end date has passed; one
    membership still running (or a cohort with no end date) means they have not left."""
    rows = db.session.execute(
        select(CohortMember.user_id, CohortMember.status, CohortMember.withdrawn_at, Cohort.end_date)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.role == MemberRole.CANDIDATE)
    ).all()
    left: dict[int, date] = {}
    staying: set[int] = set()
    for user_id, status, withdrawn_at, end_date in rows:
        if status in LEFT and withdrawn_at is not None:
            day = withdrawn_at.astimezone(UK).date()
        elif end_date is not None and end_date < today:
            day = end_date
        else:
            staying.add(user_id)
            continue
        left[user_id] = max(day, left.get(user_id, day))
    return {user_id: day for user_id, day in left.items() if user_id not in staying}
