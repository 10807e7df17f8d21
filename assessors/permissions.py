"""Who may judge, quality-assure, release, reopen and read assessment decisions.

Every rule reads the cohort's role context (`qualification.cohorts.queries.cohort_roles`: the candidate's
allocated assessor, the cohort's IQAs, tutors and leader), loaded once per request; the rules taking it as
an argument are pure and tested as a table. An assessor acts only on candidates allocated to them; an IQA
only in cohorts they are IQA of, and never on a decision they made themself; the course leader and admins
oversee all. The `*_now` rules add the object's state, from the same sources as the services (the
transition table, later work, a withdrawn attempt), so a button shows exactly when its POST is allowed.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from assessors.marking.models import REOPENING, Actor, MarkingStatus, may_move
from assessors.queries import later_work, withdrawn_subject
from assessors.witness.models import WitnessStatus
from assessors.workplace.models import OBSERVATION_COMMENTABLE, OBSERVATION_MOVES, ObservationStatus
from core.accounts.models import Role
from core.web.access import roles
from portfolio.permissions import can_edit_item
from portfolio.submissions.services import active_enrolment
from qualification.cohorts.models import ALLOCATED, CohortRoles, MemberRole
from qualification.cohorts.queries import cohort_roles
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


def can_see_unallocated(user, cohort: CohortRoles) -> bool:
    """A cohort's Unallocated queue (work no assessor has): course leaders, admins, the cohort's assessors."""
    if not user.is_authenticated:
        return False
    return can_manage_cohort(user) or (
        user.has_role(Role.ASSESSOR) and MemberRole.ASSESSOR in cohort.roles_of(user)
    )


def can_mark(user, cohort: CohortRoles) -> bool:
    """Judge a candidate's work: only the assessor allocated to the candidate in the cohort."""
    return user.is_authenticated and user.has_role(Role.ASSESSOR) and ALLOCATED in cohort.roles_of(user)


def is_cohort_iqa(user, cohort: CohortRoles) -> bool:
    """An internal quality assurer of the cohort."""
    return user.is_authenticated and user.has_role(Role.IQA) and user.id in cohort.iqa_ids


def can_review(user, assessment, cohort: CohortRoles) -> bool:
    """Sample and review a decision: a cohort IQA who did not make the decision."""
    return is_cohort_iqa(user, cohort) and assessment.completed_by_id != user.id


def can_release(user, assessment, cohort: CohortRoles) -> bool:
    """Release a decision that is ready: its assessor, a cohort IQA, or the course leader."""
    return (
        can_mark(user, cohort)
        or is_cohort_iqa(user, cohort)
        or (user.is_authenticated and can_manage_cohort(user))
    )


def can_reopen(user, assessment, cohort: CohortRoles) -> bool:
    """Reopen a decision (with a reason): the course leader, or a cohort IQA who did not make it."""
    if user.is_authenticated and can_manage_cohort(user):
        return True
    # Quality assurance is a second pair of eyes: an IQA who is also an assessor never reopens their own.
    return is_cohort_iqa(user, cohort) and (assessment is None or assessment.completed_by_id != user.id)


def can_manage_sampling(user, cohort: CohortRoles) -> bool:
    """Keep the cohort's sampling plan and grant examiner access: its IQAs and the course leader."""
    return is_cohort_iqa(user, cohort) or (user.is_authenticated and can_manage_cohort(user))


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


def can_view_assessment(user, assessment, cohort: CohortRoles, examiner_sees: bool = False) -> bool:
    """Read a decision: the candidate once released; the assessor, cohort IQAs, course leader; an examiner."""
    if not user.is_authenticated or assessment is None:
        return False
    if assessment.candidate_id == user.id:
        return assessment.status == MarkingStatus.RELEASED
    if examiner_sees:
        return assessment.status == MarkingStatus.RELEASED
    return (
        can_mark(user, cohort)
        or assessment.completed_by_id == user.id
        or is_cohort_iqa(user, cohort)
        or can_manage_cohort(user)
    )


def can_read_history(user, cohorts: Collection[CohortRoles], *, examiner_sees: bool = False) -> bool:
    """Read the audit history of a candidate's work: the IQAs of their cohorts, the course leader, an
    administrator; an external examiner for the candidate in their sample (released decisions only)."""
    if not user.is_authenticated:
        return False
    return (
        examiner_sees
        or any(is_cohort_iqa(user, c) for c in cohorts)
        or can_manage_cohort(user)
        or user.has_role(Role.ADMIN)
    )


# Workplace assessment: observations, sign-offs, witness testimony -----------------------------------------


def can_acknowledge(user, observation) -> bool:
    """Acknowledge or comment on a recorded observation: only the candidate observed."""
    return user.is_authenticated and observation.candidate_id == user.id


def can_see_observation(user, observation, cohort: CohortRoles) -> bool:
    """Read an observation: the candidate, their assessor; read-only, the cohort's IQAs and course leaders."""
    return (
        can_acknowledge(user, observation)
        or can_mark(user, cohort)
        or is_cohort_iqa(user, cohort)
        or (user.is_authenticated and can_manage_cohort(user))
    )


def can_read_workplace(user, candidate_id: int, cohorts: Collection[CohortRoles]) -> bool:
    """A candidate's workplace page: their assessor; read-only, their cohorts' IQAs and course leaders."""
    if not user.is_authenticated or user.id == candidate_id:
        return False  # the candidate has their own page
    return any(can_mark(user, c) or is_cohort_iqa(user, c) for c in cohorts) or can_manage_cohort(user)


def can_request_testimony(user, item, allocated_assessor_ok: bool) -> bool:
    """Ask for testimony on an item: its owner, or the assessor allocated to them."""
    return item.deleted_at is None and (can_edit_item(user, item) or allocated_assessor_ok)


# Rules that load the cohort's role context themselves ---------------------------------------------------


def roles_of_assessment(assessment) -> CohortRoles:
    """The role context of the assessment's cohort and candidate (cached for the request)."""
    return cohort_roles(assessment.cohort_id, assessment.candidate_id)


def may_assess(actor, cohort_id: int | None, candidate_id: int) -> bool:
    """The actor is the assessor allocated to the candidate in this cohort."""
    return can_mark(actor, cohort_roles(cohort_id, candidate_id))


def can_manage_request(user, req) -> bool:
    """See and revoke a witness request: the candidate it is for, or their allocated assessor."""
    if not user.is_authenticated:
        return False
    if req.candidate_id == user.id:
        return True
    enrolment = active_enrolment(req.candidate_id, req.family or "", req.module_code or "")
    return enrolment is not None and may_assess(user, enrolment.cohort_id, req.candidate_id)


def releasing_role(actor, cohort: CohortRoles) -> Actor:
    """The capacity in which someone releases: the candidate's assessor, a cohort IQA, else the leader."""
    if can_mark(actor, cohort):
        return Actor.ASSESSOR
    if is_cohort_iqa(actor, cohort):
        return Actor.IQA
    return Actor.LEADER


def quality_role(actor, cohort: CohortRoles) -> Actor:
    """The capacity in which someone quality-assures (reopens, grants access): a cohort IQA, else leader."""
    return Actor.IQA if actor.id in cohort.iqa_ids else Actor.LEADER


# The object's state included: the single source for services, views and templates ------------------------


def can_sample_now(user, assessment) -> bool:
    """Take a decision the rules let through into IQA review, now."""
    return (
        assessment.status == MarkingStatus.READY_FOR_RELEASE
        and not assessment.sampled
        and may_move(assessment.status, MarkingStatus.IN_IQA_REVIEW, Actor.IQA)
        and can_review(user, assessment, roles_of_assessment(assessment))
    )


def can_review_now(user, assessment) -> bool:
    """Agree with or return a sampled decision, now."""
    return assessment.status == MarkingStatus.IN_IQA_REVIEW and can_review(
        user, assessment, roles_of_assessment(assessment)
    )


def can_release_now(user, assessment) -> bool:
    """Release the decision to the candidate, now."""
    if user_is_candidate(user, assessment):
        return False
    cohort = roles_of_assessment(assessment)
    return (
        assessment.status == MarkingStatus.READY_FOR_RELEASE
        and can_release(user, assessment, cohort)
        and may_move(assessment.status, MarkingStatus.RELEASED, releasing_role(user, cohort))
        and not withdrawn_subject(assessment)
    )


def can_reopen_now(user, assessment) -> bool:
    """Reopen the decision for the assessor, now (not once the candidate has sent later work)."""
    cohort = roles_of_assessment(assessment)
    if not can_reopen(user, assessment, cohort):
        return False
    if not is_reopening(assessment) or not may_move(
        assessment.status, MarkingStatus.IN_MARKING, quality_role(user, cohort)
    ):
        return False
    return assessment.status != MarkingStatus.RELEASED or later_work(assessment) is None


def is_reopening(assessment) -> bool:
    """Whether going back to marking from this state is a reopening (a sampled one is returned instead)."""
    return (MarkingStatus(assessment.status), MarkingStatus.IN_MARKING) in REOPENING


def can_record_observation_now(user, observation) -> bool:
    """Record and sign (or cancel) the observation now: the candidate's assessor, while it is planned."""
    planned = OBSERVATION_MOVES.allows(observation.status, ObservationStatus.RECORDED)
    return planned and may_assess(user, observation.cohort_id, observation.candidate_id)


def can_acknowledge_now(user, observation) -> bool:
    """Acknowledge the signed record now: the candidate observed, while it waits for them."""
    waiting = OBSERVATION_MOVES.allows(observation.status, ObservationStatus.ACKNOWLEDGED)
    return waiting and can_acknowledge(user, observation)


def can_comment_on_observation_now(user, observation) -> bool:
    """Add a comment to the record now: the candidate observed, once it is recorded."""
    return observation.status in OBSERVATION_COMMENTABLE and can_acknowledge(user, observation)


def can_withdraw_request_now(user, req) -> bool:
    """Withdraw a witness link now: the candidate or their assessor, while the witness has not answered."""
    return req.status == WitnessStatus.PENDING and can_manage_request(user, req)


def user_is_candidate(user, assessment) -> bool:
    """The person is the candidate whose work the decision is about."""
    return user.is_authenticated and assessment.candidate_id == user.id


# Registered once as Jinja globals by the area (assessors/blueprints.py).
def can_read_history_of(user, assessment) -> bool:
    """Whether the page may link to the decision's history (the examiner's own pages link theirs)."""
    return can_read_history(user, [roles_of_assessment(assessment)])


TEMPLATE_PREDICATES = (
    can_read_history_of,
    can_sample_now,
    can_review_now,
    can_release_now,
    can_reopen_now,
    can_record_observation_now,
    can_acknowledge_now,
    can_comment_on_observation_now,
    can_withdraw_request_now,
)

QUALITY = roles(Role.IQA, Role.COURSE_LEADER, Role.ADMIN)


ASSESSORS = roles(Role.ASSESSOR)
