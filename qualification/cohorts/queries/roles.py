"""Who holds which role in a cohort: one context per cohort (and candidate), the one every permission
predicate reads, loaded once per request and dropped when a membership or allocation changes."""

from __future__ import annotations

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, literal, or_, select, union_all
from sqlalchemy.orm import Session

from core.extensions import db
from qualification.cohorts.models import (
    ALLOCATED,
    LEADER,
    NO_COHORT,
    AssessorAllocation,
    Cohort,
    CohortMember,
    CohortRoles,
    MemberRole,
)


def cohort_roles(cohort_id: int | None, candidate_id: int | None = None) -> CohortRoles:
    """The role context of a cohort (and of one candidate in it), loaded once per request."""
    if cohort_id is None:
        return NO_COHORT
    cache = _request_cache()
    key = ("cohort", cohort_id, candidate_id)
    if cache is not None and key in cache:
        return cache[key]
    roles = _load_cohort_roles(cohort_id, candidate_id)
    if cache is not None:
        cache[key] = roles
    return roles


def _load_cohort_roles(cohort_id: int, candidate_id: int | None) -> CohortRoles:
    # One statement: the staff (and this candidate's membership), the cohort's leader, the allocation.
    members = select(CohortMember.user_id, CohortMember.role).where(
        CohortMember.cohort_id == cohort_id,
        or_(CohortMember.role != MemberRole.CANDIDATE, CohortMember.user_id == candidate_id),
    )
    leader = select(Cohort.course_leader_id, literal(LEADER)).where(
        Cohort.id == cohort_id, Cohort.course_leader_id.is_not(None)
    )
    allocation = select(AssessorAllocation.assessor_id, literal(ALLOCATED)).where(
        AssessorAllocation.cohort_id == cohort_id, AssessorAllocation.candidate_id == candidate_id
    )
    held: dict[int, set[str]] = {}
    leader_id = allocated_id = None
    for user_id, role in db.session.execute(union_all(members, leader, allocation)):
        if role == LEADER:
            leader_id = user_id
        elif role == ALLOCATED:
            allocated_id = user_id
        else:
            held.setdefault(user_id, set()).add(role)
    return CohortRoles(
        cohort_id=cohort_id,
        candidate_id=candidate_id,
        allocated_assessor_id=allocated_id,
        course_leader_id=leader_id,
        members={uid: frozenset(r) for uid, r in held.items()},
    )


def member_cohort_ids(user_id: int, role: MemberRole) -> list[int]:
    """The cohorts in which the person holds this role (an IQA's cohorts), loaded once per request."""
    cache = _request_cache()
    key = ("member_of", user_id, role)
    if cache is not None and key in cache:
        return list(cache[key])
    found = tuple(
        db.session.scalars(
            select(CohortMember.cohort_id)
            .where(CohortMember.user_id == user_id, CohortMember.role == role)
            .order_by(CohortMember.cohort_id)
        )
    )
    if cache is not None:
        cache[key] = found
    return list(found)


def iqa_cohort_ids(user_id: int) -> list[int]:
    """The cohorts the person is an internal quality assurer of."""
    return member_cohort_ids(user_id, MemberRole.IQA)


def request_cached(key: tuple, load):
    """`load()` once per request under this key (dropped with the role contexts when a membership changes);
    outside a request, every call loads."""
    cache = _request_cache()
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]


def _request_cache() -> dict | None:
    """This request's contexts, or None outside a request (a script or test sees every change at once)."""
    if not has_request_context():
        return None
    # g can outlive a request (a test holding an app context around several client calls): key by request.
    owner = request._get_current_object()
    cached = g.get("_cohort_roles")
    if cached is None or cached[0] is not owner:
        cached = (owner, {})
        g._cohort_roles = cached
    return cached[1]


def forget_cohort_roles() -> None:
    """Drop this request's contexts (a membership or allocation changed)."""
    if has_app_context():
        g.pop("_cohort_roles", None)


_ROLE_ROWS = (Cohort, CohortMember, AssessorAllocation)


@event.listens_for(Session, "after_attach")
def _row_attached(session, instance) -> None:
    # A pending membership or allocation would have been autoflushed by the query the cache now skips.
    if isinstance(instance, _ROLE_ROWS):
        forget_cohort_roles()


@event.listens_for(Session, "after_flush")
def _rows_flushed(session, flush_context) -> None:
    if any(isinstance(o, _ROLE_ROWS) for o in (*session.new, *session.dirty, *session.deleted)):
        forget_cohort_roles()


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous_transaction) -> None:
    forget_cohort_roles()
