"""The history of a submission, an assessment or a candidate, read from the audit chain in words.

An external examiner or a university's appeal panel asks "who did what to this work, when, and on which
evidence?". The audit rows answer it, but they name objects by table and id ("Assessment 1") and actions by
internal key; this module gathers the rows about a piece of work (the submission, its decisions, its APL
claims, the candidate's evidence and workplace records) and says them in words, with the entry's hash and
the evidence hash it covers, so the reader can check the row against `flask audit verify`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from assessors.marking.models import Assessment, AssessmentKind, MarkingStatus
from assessors.witness.models import WitnessRequest
from assessors.workplace.models import CompetenceSignoff, Observation
from core.audit.models import AuditEvent
from core.audit.queries import Entry, entry_of, names_of
from core.audit.services import action_words
from core.db.paging import newest_first
from core.extensions import db
from portfolio.apl.models import AplClaim
from portfolio.evidence.models import EvidenceItem
from portfolio.submissions.models import Submission
from qualification.cohorts.models import Cohort
from qualification.versions.models import QualificationVersion

PAGE_SIZE = 100


@dataclass(frozen=True)
class Subject:
    """One object the history is about, as the audit rows name it, with its label and module."""

    object_type: str
    object_id: int
    label: str
    module_code: str = ""


# How the trail's objects are named: one rule for the history pages and the admin's audit page. ------------


def _attempt(s: Submission) -> str:
    return f"{s.module_code} attempt {s.attempt}"


def _decision(a: Assessment, attempts: dict[int, Submission]) -> str:
    if a.kind == AssessmentKind.SUBMISSION and a.submission_id in attempts:
        return f"Decision on {_attempt(attempts[a.submission_id])}"
    return f"Decision on the {a.module_code} APL claim, round {a.round}"


def _submission(s: Submission) -> str:
    return f"Submission: {_attempt(s)}"


def _claim(c: AplClaim) -> str:
    return f"APL claim: {c.module_code}"


def _item(item: EvidenceItem) -> str:
    return f"Evidence: {item.current.title if item.current else f'item {item.id}'}"


# Records of the workplace, named by what they are and their module.
WORKPLACE = (
    (Observation, "Observation"),
    (CompetenceSignoff, "Competence sign-off"),
    (WitnessRequest, "Witness request"),
)


def _workplace(row) -> str:
    return f"{dict(WORKPLACE)[type(row)]}: {row.module_code}"


def subjects_of_work(submissions: Iterable[Submission], assessments: Iterable[Assessment]) -> list[Subject]:
    """The subjects of some attempts and their decisions."""
    attempts = {s.id: s for s in submissions}
    found = [Subject("Submission", s.id, _submission(s), s.module_code) for s in attempts.values()]
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
        found.append(Subject("AplClaim", claim.id, _claim(claim), claim.module_code))
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
    found += [Subject("AplClaim", c.id, _claim(c), c.module_code) for c in db.session.scalars(claims)]
    if released_only:
        return found
    found.append(Subject("User", candidate_id, "Account"))
    items = select(EvidenceItem).options(selectinload(EvidenceItem.current))
    for item in db.session.scalars(items.where(EvidenceItem.candidate_id == candidate_id)):
        found.append(Subject("EvidenceItem", item.id, _item(item)))
    for model, _ in WORKPLACE:
        for row in db.session.scalars(select(model).where(model.candidate_id == candidate_id)):
            found.append(Subject(model.__name__, row.id, _workplace(row), row.module_code))
    return found


def _ids(wanted: Mapping[str, Iterable[str]], object_type: str) -> list[int]:
    return [int(i) for i in wanted.get(object_type, ()) if i.isdigit()]


def _rows(model, ids: list[int], *options) -> list:
    return list(db.session.scalars(select(model).options(*options).where(model.id.in_(ids)))) if ids else []


def audit_labels(wanted: Mapping[str, Iterable[str]]) -> dict[tuple[str, str], str]:
    """The trail's objects of assessment in words, as the history pages name them, with the candidate's name
    (the admin's audit page is about everyone): registered in app.extensions["waymark_audit_labels"]. A few
    queries per page, one per kind of object."""
    attempts = {s.id: s for s in _rows(Submission, _ids(wanted, "Submission"))}
    decisions = _rows(Assessment, _ids(wanted, "Assessment"))
    judged = [a.submission_id for a in decisions if a.submission_id and a.submission_id not in attempts]
    attempts |= {s.id: s for s in _rows(Submission, judged)}
    named: list[tuple[object, str]] = [
        *((s, _submission(s)) for s in attempts.values()),
        *((a, _decision(a, attempts)) for a in decisions),
        *((c, _claim(c)) for c in _rows(AplClaim, _ids(wanted, "AplClaim"))),
        *(
            (i, _item(i))
            for i in _rows(EvidenceItem, _ids(wanted, "EvidenceItem"), selectinload(EvidenceItem.current))
        ),
        *((r, _workplace(r)) for model, _ in WORKPLACE for r in _rows(model, _ids(wanted, model.__name__))),
    ]
    names = names_of(row.candidate_id for row, _ in named)
    labels = {
        (type(row).__name__, str(row.id)): f"{label} ({names.get(row.candidate_id, 'a removed account')})"
        for row, label in named
    }
    labels |= {("Cohort", str(c.id)): f"Cohort: {c.name}" for c in _rows(Cohort, _ids(wanted, "Cohort"))}
    versions = _rows(QualificationVersion, _ids(wanted, "QualificationVersion"))
    labels |= {("QualificationVersion", str(v.id)): f"{v.title}, version {v.number}" for v in versions}
    return labels


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
    names = names_of(actors | {e.actor_id for e in events})
    return History(
        [_entry(e, by_key[(e.object_type, e.object_id)], names) for e in events],
        next_before,
        sorted(((i, names.get(i, "")) for i in actors), key=lambda p: p[1]),
        modules,
        sorted({(key, action_words(key)) for _, key in present}, key=lambda p: p[1]),
    )


def _entry(event: AuditEvent, subject: Subject, names: dict[int, str]) -> Entry:
    return entry_of(event, subject.label, names, subject.module_code)
