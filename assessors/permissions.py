"""Who may judge, quality-assure, release, reopen and read assessment decisions. Pure predicates.

Inputs are loaded rows and ids (the allocated assessor, the cohort's IQAs), so the rules are tested as a
table without a database. An assessor acts only on candidates allocated to them; an IQA only in cohorts
they are IQA of, and never on a decision they made themself; the course leader and admins oversee all.
The last section holds the few rules that first look up the allocation (one query), then ask the pure ones.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from assessors.marking.models import MarkingStatus
from assessors.queries import allocated_assessor_id
from core.accounts.models import Role
from core.web.access import roles
from portfolio.permissions import can_edit_item
from portfolio.submissions.services import active_enrolment
from qualification.permissions import can_manage_cohort


def can_use_queue(user) -> bool:
    """Work from an assessment queue (assessors)."""
    return user.is_authenticated and user.has_role(Role.ASSESSOR)


def can_quality_assure(user) -> bool:
    """Reach the quality assurance pages at all: internal quality assurers, course leaders, admins."""
    return user.is_authenticated and (user.has_role(Role.IQA) or can_manage_cohort(user))


def is_examiner(user) -> bool:
    """An external examiner (their own pages show only what their grants cover)."""
    return user.is_authenticated and user.has_role(Role.EXAMINER)


def can_mark(user, allocated_assessor_id: int | None) -> bool:
    """Judge a candidate's work: only the assessor allocated to the candidate in the cohort."""
    return (
        user.is_authenticated
        and user.has_role(Role.ASSESSOR)
        and allocated_assessor_id is not None
        and allocated_assessor_id == user.id
    )


def is_cohort_iqa(user, iqa_ids: Collection[int]) -> bool:
    """An internal quality assurer of the cohort."""
    return user.is_authenticated and user.has_role(Role.IQA) and user.id in iqa_ids


def can_review(user, assessment, iqa_ids: Collection[int]) -> bool:
    """Sample and review a decision: a cohort IQA who did not make the decision."""
    return is_cohort_iqa(user, iqa_ids) and assessment.completed_by_id != user.id


def can_release(user, assessment, allocated_assessor_id: int | None, iqa_ids: Collection[int]) -> bool:
    """Release a decision that is ready: its assessor, a cohort IQA, or the course leader."""
    return (
        can_mark(user, allocated_assessor_id)
        or is_cohort_iqa(user, iqa_ids)
        or (user.is_authenticated and can_manage_cohort(user))
    )


def can_reopen(user, iqa_ids: Collection[int], assessment=None) -> bool:
    """Reopen a decision (with a reason): the course leader, or a cohort IQA who did not make it."""
    if user.is_authenticated and can_manage_cohort(user):
        return True
    # Quality assurance is a second pair of eyes: an IQA who is also an assessor never reopens their own.
    return is_cohort_iqa(user, iqa_ids) and (assessment is None or assessment.completed_by_id != user.id)


def can_manage_sampling(user, iqa_ids: Collection[int]) -> bool:
    """Keep the cohort's sampling plan and grant examiner access: its IQAs and the course leader."""
    return is_cohort_iqa(user, iqa_ids) or (user.is_authenticated and can_manage_cohort(user))


def examiner_may_see(user, candidate_id: int, grants, today: date) -> bool:
    """An external examiner reads a candidate's released work while one of their grants covers it."""
    if not (user.is_authenticated and user.has_role(Role.EXAMINER)):
        return False
    return any(
        g.examiner_id == user.id
        and g.revoked_at is None
        and today <= g.ends_on
        and any(c.candidate_id == candidate_id for c in g.candidates)
        for g in grants
    )


def can_view_assessment(
    user,
    assessment,
    allocated_assessor_id: int | None,
    iqa_ids: Collection[int],
    examiner_sees: bool = False,
) -> bool:
    """Read a decision: the candidate once released; the assessor, cohort IQAs, course leader; an examiner."""
    if not user.is_authenticated or assessment is None:
        return False
    if assessment.candidate_id == user.id:
        return assessment.status == MarkingStatus.RELEASED
    if examiner_sees:
        return assessment.status == MarkingStatus.RELEASED
    return (
        can_mark(user, allocated_assessor_id)
        or assessment.completed_by_id == user.id
        or is_cohort_iqa(user, iqa_ids)
        or can_manage_cohort(user)
    )


# Workplace assessment: observations, sign-offs, witness testimony -----------------------------------------


def can_acknowledge(user, observation) -> bool:
    """Acknowledge or comment on a recorded observation: only the candidate observed."""
    return user.is_authenticated and observation.candidate_id == user.id


def can_see_observation(
    user, observation, allocated_assessor_id: int | None, iqa_ids: Collection[int]
) -> bool:
    """Read an observation: the candidate, their assessor; read-only, the cohort's IQAs and course leaders."""
    return (
        can_acknowledge(user, observation)
        or can_mark(user, allocated_assessor_id)
        or is_cohort_iqa(user, iqa_ids)
        or (user.is_authenticated and can_manage_cohort(user))
    )


def can_read_workplace(
    user, candidate_id: int, allocated_ids: Collection[int | None], iqa_ids: Collection[int]
) -> bool:
    """A candidate's workplace page: their assessor; read-only, their cohorts' IQAs and course leaders."""
    if not user.is_authenticated or user.id == candidate_id:
        return False  # the candidate has their own page
    return (
        any(can_mark(user, allocated) for allocated in allocated_ids)
        or is_cohort_iqa(user, iqa_ids)
        or can_manage_cohort(user)
    )


def can_request_testimony(user, item, allocated_assessor_ok: bool) -> bool:
    """Ask for testimony on an item: its owner, or the assessor allocated to them."""
    return item.deleted_at is None and (can_edit_item(user, item) or allocated_assessor_ok)


# Rules that first look up the candidate's allocated assessor --------------------------------------------


def may_assess(actor, cohort_id: int | None, candidate_id: int) -> bool:
    """The actor is the assessor allocated to the candidate in this cohort."""
    return can_mark(actor, allocated_assessor_id(cohort_id, candidate_id))


def can_manage_request(user, req) -> bool:
    """See and revoke a witness request: the candidate it is for, or their allocated assessor."""
    if not user.is_authenticated:
        return False
    if req.candidate_id == user.id:
        return True
    enrolment = active_enrolment(req.candidate_id, req.family or "", req.module_code or "")
    return enrolment is not None and may_assess(user, enrolment.cohort_id, req.candidate_id)


QUALITY = roles(Role.IQA, Role.COURSE_LEADER, Role.ADMIN)


ASSESSORS = roles(Role.ASSESSOR)
