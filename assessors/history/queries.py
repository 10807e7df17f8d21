"""The history of a submission, an assessment or a candidate, read from the audit chain in words.

An external examiner or a university's appeal panel asks "who did what to this work, when, and on which
evidence?". The audit rows answer it, but they name objects by table and id ("Assessment 1") and actions by
internal key; this module gathers the rows about a piece of work (the submission, its decisions, its APL
claims, the candidate's evidence and workplace records) and says them in words, with the entry's hash and
the evidence hash it covers, so the reader can check the row against `flask audit verify`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from assessors.marking.models import Assessment, AssessmentKind, MarkingStatus
from assessors.witness.models import WitnessRequest
from assessors.workplace.models import CompetenceSignoff, Observation
from core.accounts.models import User
from core.audit.models import AuditEvent
from core.audit.services import action_words, details_of
from core.db.paging import newest_first
from core.extensions import db
from core.web.formatting import role_label
from portfolio.apl.models import AplClaim
from portfolio.evidence.models import EvidenceItem
from portfolio.submissions.models import Submission

PAGE_SIZE = 100
# Details that name the evidence a row is about, in the order they are shown.
EVIDENCE_KEYS = ("evidence_hash", "snapshot_hash", "content_hash", "record_hash", "version_hash")


@dataclass(frozen=True)
class Subject:
    """One object the history is about, as the audit rows name it, with its label and module."""

    object_type: str
    object_id: int
    label: str
    module_code: str = ""


@dataclass(frozen=True)
class Entry:
    seq: int
    occurred_at: datetime
    actor: str
    role: str
    action: str
    subject: str
    module_code: str
    row_hash: str
    evidence_hash: str


def _attempt(s: Submission) -> str:
    return f"{s.module_code} attempt {s.attempt}"


def _decision(a: Assessment, attempts: dict[int, Submission]) -> str:
    if a.kind == AssessmentKind.SUBMISSION and a.submission_id in attempts:
        return f"Decision on {_attempt(attempts[a.submission_id])}"
    return f"Decision on the {a.module_code} APL claim, round {a.round}"


def subjects_of_work(submissions: Iterable[Submission], assessments: Iterable[Assessment]) -> list[Subject]:
    """The subjects of some attempts and their decisions."""
    attempts = {s.id: s for s in submissions}
    found = [
        Subject("Submission", s.id, f"Submission: {_attempt(s)}", s.module_code) for s in attempts.values()
    ]
    found += [Subject("Assessment", a.id, _decision(a, attempts), a.module_code) for a in assessments]
    return found


def submission_subjects(submission: Submission, *, released_only: bool = False) -> list[Subject]:
    """An attempt and its decision."""
    query = select(Assessment).where(Assessment.submission_id == submission.id)
    if released_only:
        query = query.where(Assessment.status == MarkingStatus.RELEASED)
    return subjects_of_work([submission], db.session.scalars(query))


def assessment_subjects(assessment: Assessment) -> list[Subject]:
    """A decision and what it judged (the attempt, or the APL claim)."""
    if assessment.kind == AssessmentKind.SUBMISSION:
        submission = db.session.get(Submission, assessment.submission_id)
        return subjects_of_work([submission] if submission else [], [assessment])
    claim = db.session.get(AplClaim, assessment.apl_claim_id)
    found = subjects_of_work([], [assessment])
    if claim is not None:
        found.append(Subject("AplClaim", claim.id, f"APL claim: {claim.module_code}", claim.module_code))
    return found


def candidate_subjects(candidate_id: int, *, released_only: bool = False) -> list[Subject]:
    """Everything of the candidate's the trail names: their account, attempts, decisions, APL claims, evidence
    and workplace records (for an examiner, only released decisions and what they judged)."""
    decisions = select(Assessment).where(Assessment.candidate_id == candidate_id)
    if released_only:
        decisions = decisions.where(Assessment.status == MarkingStatus.RELEASED)
    assessments = list(db.session.scalars(decisions))
    attempts = select(Submission).where(Submission.candidate_id == candidate_id)
    if released_only:
        attempts = attempts.where(
            Submission.id.in_([a.submission_id for a in assessments if a.submission_id])
        )
    found = subjects_of_work(db.session.scalars(attempts), assessments)
    claims = select(AplClaim).where(AplClaim.candidate_id == candidate_id)
    if released_only:
        claims = claims.where(AplClaim.id.in_([a.apl_claim_id for a in assessments if a.apl_claim_id]))
    found += [
        Subject("AplClaim", c.id, f"APL claim: {c.module_code}", c.module_code)
        for c in db.session.scalars(claims)
    ]
    if released_only:
        return found
    found.append(Subject("User", candidate_id, "Account"))
    for item in db.session.scalars(select(EvidenceItem).where(EvidenceItem.candidate_id == candidate_id)):
        title = item.current.title if item.current else f"item {item.id}"
        found.append(Subject("EvidenceItem", item.id, f"Evidence: {title}"))
    for model, label in ((Observation, "Observation"), (CompetenceSignoff, "Competence sign-off")):
        for row in db.session.scalars(select(model).where(model.candidate_id == candidate_id)):
            found.append(Subject(model.__name__, row.id, f"{label}: {row.module_code}", row.module_code))
    for request in db.session.scalars(
        select(WitnessRequest).where(WitnessRequest.candidate_id == candidate_id)
    ):
        found.append(
            Subject(
                "WitnessRequest", request.id, f"Witness request: {request.module_code}", request.module_code
            )
        )
    return found


@dataclass
class History:
    entries: list[Entry]
    next_before: int | None
    people: list[tuple[int, str]]  # who appears, for the filter
    modules: list[str]
    actions: list[tuple[str, str]]  # (key, words)


def _about(subjects: list[Subject]):
    """The condition on audit rows naming one of the subjects (on the object index)."""
    grouped: dict[str, list[str]] = {}
    for s in subjects:
        grouped.setdefault(s.object_type, []).append(str(s.object_id))
    return or_(
        *(and_(AuditEvent.object_type == t, AuditEvent.object_id.in_(ids)) for t, ids in grouped.items())
    )


def _filtered(about, actor_id: int | None, action: str):
    query = select(AuditEvent).where(about)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return query


def history(
    subjects: list[Subject],
    *,
    actor_id: int | None = None,
    module_code: str = "",
    action: str = "",
    before: int | None = None,
) -> History:
    """The audit rows about these subjects, newest first, one page; filtered by person, module and action."""
    modules = sorted({s.module_code for s in subjects if s.module_code})
    chosen = [s for s in subjects if not module_code or s.module_code == module_code]
    if not chosen:
        return History([], None, [], modules, [])
    by_key = {(s.object_type, str(s.object_id)): s for s in chosen}
    about = _about(chosen)
    # The filters' choices come from the whole history, not the page.
    present = db.session.execute(select(AuditEvent.actor_id, AuditEvent.action).where(about).distinct()).all()
    events, next_before = newest_first(_filtered(about, actor_id, action), AuditEvent.seq, before, PAGE_SIZE)
    actors = {a for a, _ in present if a}
    ids = actors | {e.actor_id for e in events if e.actor_id}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    return History(
        [_entry(e, by_key[(e.object_type, e.object_id)], names) for e in events],
        next_before,
        sorted(((i, names.get(i, "")) for i in actors), key=lambda p: p[1]),
        modules,
        sorted({(key, action_words(key)) for _, key in present}, key=lambda p: p[1]),
    )


def _entry(event: AuditEvent, subject: Subject, names: dict[int, str]) -> Entry:
    details = details_of(event)
    evidence = next((str(details[k]) for k in EVIDENCE_KEYS if details.get(k)), "")
    return Entry(
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor=names.get(event.actor_id) or event.actor_label or "The system",
        role=role_label(event.actor_role) if event.actor_role else "",
        action=action_words(event.action),
        subject=subject.label,
        module_code=subject.module_code,
        row_hash=event.row_hash,
        evidence_hash=evidence,
    )
