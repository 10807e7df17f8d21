"""The submissions' read side: what stands between a candidate and their modules (work waiting for an
assessor, claims, results), and what changed in the evidence between two attempts at a module.

The home page reads it twice (the study panel, to leave out modules with no study left, and the "waiting"
panel), so it is one UNION ALL statement, kept for the rest of the request. A snapshot names evidence
*versions*, each of an item; comparing two snapshots item by item says which items were added, which were
taken out, which were put forward again in a newer version (the candidate edited them after the referral),
and which were mapped to other criteria without being changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from flask import g, has_request_context, request
from sqlalchemy import (
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from core.accounts.models import Role, User
from core.db.postgres import prepared
from core.db.timeutil import UTCDateTime
from core.extensions import db
from modules.catalogue.models import AssessmentCriterion, LearningOutcome
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from portfolio.apl.models import AplClaim, AplStatus
from portfolio.evidence.models import EvidenceVersion
from portfolio.submissions.models import Submission, SubmissionEntry, SubmissionStatus
from portfolio.submissions.rules import EvidenceChanges, diff_evidence
from qualification.cohorts.models import AssessorAllocation
from qualification.cohorts.queries import assessor_of, cohort_roles
from qualification.results.models import AchievedBy, CriterionOutcome, CriterionResult, ModuleResult

SCOPE_WORDS = {"module": "the whole module", "outcome": "an outcome", "criteria": "criteria"}


@dataclass(frozen=True)
class Waiting:
    """A piece of the candidate's work that waits: for an assessor, or (referred, or asked for more
    evidence) for them."""

    kind: str  # "attempt", "claim", "claim_more" or "referred"
    family: str
    module_code: str
    since: datetime | None
    assessor: str | None  # the allocated assessor's name; None: no assessor allocated yet
    number: int  # the attempt number, or the claim's id
    scope: str = ""  # a claim's scope
    submission_id: int | None = None  # a referred attempt's row (its feedback is read from there)


@dataclass
class CandidateState:
    """(family, module) -> why no study is left there, in words; and what waits for whom."""

    closed: dict[tuple[str, str], str] = field(default_factory=dict)
    on_others: list[Waiting] = field(default_factory=list)  # submitted attempts and claims
    # Referred attempts (the latest attempt at a module still studied) and claims the assessor asked more
    # evidence for: the next move is the candidate's.
    on_you: list[Waiting] = field(default_factory=list)


def _null(kind):
    return cast(null(), kind)


_COLUMNS = ("kind", "family", "module", "text", "name", "at", "number", "row_id")


def _branch(*columns, row_id=None):
    """A branch of the statement: the same columns under the same names (`row_id`: a referred attempt's)."""
    columns = (*columns, _null(Integer) if row_id is None else row_id)
    return select(*(c.label(name) for c, name in zip(columns, _COLUMNS, strict=True)))


def _latest_referred(user_id):
    """The branch of referred attempts that are the latest (not withdrawn) attempt at a module the candidate
    still studies: a resubmission is theirs to make, so the module waits for them."""
    later = aliased(Submission)
    s = Submission
    return _branch(
        literal("referred", String),
        s.family,
        s.module_code,
        _null(String),
        _null(String),
        _null(DateTime),
        s.attempt,
        row_id=s.id,
    ).where(
        s.candidate_id == user_id,
        s.status == SubmissionStatus.REFERRED,
        ~exists().where(
            later.candidate_id == s.candidate_id,
            later.family == s.family,
            later.module_code == s.module_code,
            later.attempt > s.attempt,
            later.status != SubmissionStatus.WITHDRAWN,
        ),
        exists().where(
            ModuleEnrolment.candidate_id == s.candidate_id,
            ModuleEnrolment.family == s.family,
            ModuleEnrolment.module_code == s.module_code,
            ModuleEnrolment.status == EnrolmentStatus.ACTIVE,
        ),
    )


def _rows(user_id: int):
    """(kind, family, module, text, name, at, number, row_id) of every row the state is built from."""
    return db.session.execute(_state_statement(), {"user_id": user_id}).all()


@cache
def _state_statement():
    """One statement for the whole state, built once (every candidate page reads it, and building a union
    of six joined selects costs several times what running it does)."""
    user_id = bindparam("user_id")
    allocation, assessor = aliased(AssessorAllocation), aliased(User)

    def with_assessor(query, subject):
        return query.outerjoin(
            allocation,
            and_(allocation.cohort_id == subject.cohort_id, allocation.candidate_id == subject.candidate_id),
        ).outerjoin(assessor, assessor.id == allocation.assessor_id)

    criteria = (
        _branch(
            literal("criterion", String),
            ModuleEnrolment.family,
            ModuleEnrolment.module_code,
            AssessmentCriterion.ref,
            _null(String),
            _null(DateTime),
            _null(Integer),
        )
        .join(LearningOutcome, LearningOutcome.module_id == ModuleEnrolment.module_id)
        .join(AssessmentCriterion, AssessmentCriterion.outcome_id == LearningOutcome.id)
        .where(ModuleEnrolment.candidate_id == user_id, ModuleEnrolment.status == EnrolmentStatus.ACTIVE)
    )
    results = _branch(
        case((CriterionResult.outcome == CriterionOutcome.MET_BY_APL, "met_apl"), else_="met"),
        CriterionResult.family,
        CriterionResult.module_code,
        CriterionResult.criterion_ref,
        _null(String),
        _null(DateTime),
        _null(Integer),
    ).where(
        CriterionResult.candidate_id == user_id,
        CriterionResult.outcome.in_((CriterionOutcome.MET, CriterionOutcome.MET_BY_APL)),
    )
    achieved = _branch(
        literal("achieved", String),
        ModuleResult.family,
        ModuleResult.module_code,
        ModuleResult.how,
        _null(String),
        _null(DateTime),
        _null(Integer),
    ).where(ModuleResult.candidate_id == user_id, ModuleResult.revoked_at.is_(None))
    attempts = with_assessor(
        _branch(
            literal("attempt", String),
            Submission.family,
            Submission.module_code,
            _null(String),
            assessor.name,
            Submission.submitted_at,
            Submission.attempt,
        ),
        Submission,
    ).where(Submission.candidate_id == user_id, Submission.status == SubmissionStatus.SUBMITTED)
    claims = with_assessor(
        _branch(
            case((AplClaim.status == AplStatus.SUBMITTED, "claim"), else_="claim_more"),
            AplClaim.family,
            AplClaim.module_code,
            AplClaim.scope + literal(" ", String) + AplClaim.criteria_refs,
            assessor.name,
            AplClaim.submitted_at,
            AplClaim.id,
        ),
        AplClaim,
    ).where(
        AplClaim.candidate_id == user_id,
        AplClaim.status.in_((AplStatus.SUBMITTED, AplStatus.MORE_EVIDENCE)),
    )
    merged = union_all(criteria, results, achieved, attempts, claims, _latest_referred(user_id)).subquery()
    c = merged.c
    return prepared(
        select(c.kind, c.family, c.module, c.text, c.name, type_coerce(c.at, UTCDateTime), c.number, c.row_id)
    )


def _why_closed(
    criteria: set[str], met: set[str], met_apl: set[str], claimed: set[str], achieved: str | None, attempt
) -> str | None:
    """Why a module holds no study left, or None. Achieved beats submitted beats criteria all covered."""
    if achieved is not None:
        return "achieved by prior learning (APL)" if achieved == AchievedBy.APL else "achieved"
    if attempt is not None:
        return f"submitted for assessment (attempt {attempt.number})"
    if not criteria or not criteria <= met | met_apl | claimed:
        return None
    if criteria <= met_apl:
        return "every criterion met by prior learning (APL)"
    if criteria & claimed - met - met_apl:
        return "claimed by prior learning (APL): waiting for a decision"
    return "every criterion met"


def _build(rows) -> CandidateState:
    state = CandidateState()
    by_kind: dict[str, dict[tuple[str, str], set[str]]] = {}
    achieved: dict[tuple[str, str], str] = {}
    referred: list[Waiting] = []
    for kind, family, module, text, name, at, number, row_id in rows:
        key = (family, module)
        if kind == "achieved":
            achieved[key] = text
        elif kind in ("criterion", "met", "met_apl"):
            by_kind.setdefault(kind, {}).setdefault(key, set()).add(text)
        elif kind == "attempt":
            state.on_others.append(Waiting(kind, family, module, at, name, number))
        elif kind == "referred":
            referred.append(Waiting(kind, family, module, at, name, number, submission_id=row_id))
        else:
            scope, _, refs = (text or "").partition(" ")
            item = Waiting(kind, family, module, at, name, number, SCOPE_WORDS.get(scope, scope))
            (state.on_others if kind == "claim" else state.on_you).append(item)
            if kind == "claim":
                by_kind.setdefault("claimed", {}).setdefault(key, set()).update(refs.split())
    # A module achieved since (by prior learning) no longer waits on its referral.
    state.on_you += [w for w in referred if (w.family, w.module_code) not in achieved]
    submitted = {(w.family, w.module_code): w for w in state.on_others if w.kind == "attempt"}
    keys = set(by_kind.get("criterion", {})) | set(achieved) | set(submitted)
    for key in keys:
        sets = [by_kind.get(k, {}).get(key, set()) for k in ("criterion", "met", "met_apl", "claimed")]
        why = _why_closed(*sets, achieved.get(key), submitted.get(key))
        if why is not None:
            state.closed[key] = why
    for items in (state.on_others, state.on_you):
        items.sort(key=lambda w: (w.module_code, w.kind, w.number))
    return state


def candidate_state(user_id: int) -> CandidateState:
    """The candidate's state (one statement), read once per request."""
    if not has_request_context():
        return _build(_rows(user_id))
    owner = request._get_current_object()
    kept = g.get("_candidate_state")
    if kept is None or kept[0] is not owner or kept[1] != user_id:
        kept = (owner, user_id, _build(_rows(user_id)))
        g._candidate_state = kept
    return kept[2]


def closed_modules(user_id: int) -> dict[tuple[str, str], str]:
    """Modules with no study left: submitted (awaiting assessment), achieved, or every criterion met or
    claimed by APL. Registered in app.extensions["waymark_closed_modules"] for the study pages."""
    return candidate_state(user_id).closed


def leader_told(cohort_id: int | None, candidate_id: int) -> bool:
    """Whether a course leader is told of unallocated work in the cohort (it may have lost its leader)."""
    return cohort_roles(cohort_id, candidate_id).course_leader_id is not None


def with_whom(cohort_id: int | None, candidate_id: int) -> str:
    """Who has the candidate's work now, in words for the candidate (never "your assessor" when none, never
    "your course leader has been told" when the cohort has no course leader to tell)."""
    assessor = assessor_of(cohort_id, candidate_id)
    if assessor is not None:
        return f"with {assessor.name}, your assessor"
    if leader_told(cohort_id, candidate_id):
        return "waiting for an assessor to be allocated; your course leader has been told"
    return "waiting for an assessor to be allocated"


def waiting_panel(user) -> dict | None:
    """The candidate's home panel: what waits for whom (submitted work and its assessor, APL claims)."""
    if not user.has_role(Role.CANDIDATE):
        return None
    state = candidate_state(user.id)
    return {"template": "portfolio/submissions/_home_panel.html", "state": state}


# What changed between two attempts ----------------------------------------------------------------------


def evidence_changes(earlier_id: int, later_id: int) -> EvidenceChanges:
    """What changed in the evidence between two submitted snapshots, item by item (1 statement)."""
    rows = db.session.execute(
        select(
            SubmissionEntry.submission_id,
            SubmissionEntry.criterion_ref,
            EvidenceVersion.item_id,
            EvidenceVersion.number,
            EvidenceVersion.title,
        )
        .join(EvidenceVersion, SubmissionEntry.version_id == EvidenceVersion.id)
        .where(SubmissionEntry.submission_id.in_((earlier_id, later_id)))
        .order_by(SubmissionEntry.id)
    ).all()
    return diff_evidence(rows, earlier_id, later_id)


def module_handed_in(cohort_id: int, module_code: str) -> set[int]:
    """The cohort's candidates whose work on the module is in: an attempt waiting for (or in) marking, or
    achieved. Registered in app.extensions["waymark_module_handed_in"]: an announcement to those behind on
    the module leaves them out (qualification cannot read submissions)."""
    return set(
        db.session.scalars(
            select(Submission.candidate_id).where(
                Submission.cohort_id == cohort_id,
                Submission.module_code == module_code,
                Submission.status.in_((SubmissionStatus.SUBMITTED, SubmissionStatus.ACHIEVED)),
            )
        )
    )
