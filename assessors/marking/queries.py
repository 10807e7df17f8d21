"""What backs each criterion of a decision now, and the methods each criterion allows (marking's read side).

Marking, IQA review and the examiner's view all ask the same question of a criterion: which of its allowed
methods is shown, and by what? The answer is built here once, from the submission's frozen snapshot (the
kinds of evidence the candidate put forward), the assessor's signed observations and standing sign-offs
(which may come after the submission: planning an observation is part of marking), and prior learning;
the rule that turns it into "backed" lives in `portfolio.mapping.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assessors.marking.models import Assessment, AssessmentKind, CriterionJudgement, Decision, IqaReview
from assessors.workplace.services.observations import observed_criteria
from assessors.workplace.services.signoffs import signoffs_for
from core.accounts.models import User
from core.db.timeutil import long_date
from core.extensions import db
from modules.catalogue.models import AssessmentMethod, LearningOutcome, Module
from portfolio.apl.queries import ClaimChanges, claim_changes
from portfolio.evidence.models import EvidenceItem, EvidenceVersion
from portfolio.mapping.rules import Backing, backing_lines, is_backed
from portfolio.submissions.models import Submission, SubmissionEntry
from portfolio.submissions.queries import evidence_changes
from portfolio.submissions.rules import EvidenceChanges
from qualification.results.services import criterion_outcomes


def _criteria_of(module_id: int | None) -> list:
    """A module revision's criteria in the order of its outcomes, with their methods (3 statements)."""
    if module_id is None:
        return []
    module = db.session.scalar(
        select(Module)
        .where(Module.id == module_id)
        .options(selectinload(Module.outcomes).selectinload(LearningOutcome.criteria))
    )
    return [] if module is None else [c for o in module.outcomes for c in o.criteria]


def criterion_methods(module_id: int | None) -> dict[str, list[AssessmentMethod]]:
    """The allowed methods of each criterion of a module revision, by ref."""
    return {c.ref: c.methods for c in _criteria_of(module_id)}


def attested_from(observed, signoffs) -> dict[str, Backing]:
    """Backing per criterion from loaded workplace records (`observed_criteria`, `signoffs_for`): signed
    observations that judged it met, and standing competence sign-offs."""
    found: dict[str, Backing] = {}
    for ref, seen in observed.items():
        dates = tuple(
            f"observation on {long_date(o.observed_on or o.planned_for)}"
            for o, judged in seen
            if judged.judgement == "met"
        )
        if dates:
            found[ref] = Backing(observed=dates)
    for ref, standing in signoffs.items():
        found[ref] = Backing(signed_off=tuple(s.basis for s in standing)).merged(found.get(ref))
    return found


def attestations(candidate_id: int, family: str, module_code: str) -> dict[str, Backing]:
    """What assessors attested in the workplace per criterion (registered as the gap view's
    `waymark_attestations` source)."""
    where = (candidate_id, family, module_code)
    return attested_from(observed_criteria(*where), signoffs_for(*where))


def _snapshot_backing(submission_id: int) -> dict[str, Backing]:
    rows = db.session.execute(
        select(SubmissionEntry.criterion_ref, EvidenceItem.kind, EvidenceVersion.title)
        .join(EvidenceVersion, SubmissionEntry.version_id == EvidenceVersion.id)
        .join(EvidenceItem, EvidenceVersion.item_id == EvidenceItem.id)
        .where(SubmissionEntry.submission_id == submission_id)
        .order_by(SubmissionEntry.id)
    )
    titles: dict[str, dict[str, list[str]]] = {}
    for ref, kind, title in rows:
        titles.setdefault(ref, {}).setdefault(kind, []).append(title)
    return {ref: Backing(frozenset(by_kind), titles=by_kind) for ref, by_kind in titles.items()}


def backing_of(assessment: Assessment, attested: dict[str, Backing] | None = None) -> dict[str, Backing]:
    """What backs each criterion of a submission's decision now (an APL round is judged on the claim itself,
    so it has no method backing to check). `attested`: the workplace backing, when the caller loaded it."""
    if assessment.kind != AssessmentKind.SUBMISSION:
        return {}
    where = (assessment.candidate_id, assessment.family, assessment.module_code)
    found = _snapshot_backing(assessment.submission_id)
    for ref, seen in (attestations(*where) if attested is None else attested).items():
        found[ref] = seen.merged(found.get(ref))
    for ref, outcome in criterion_outcomes(*where).items():
        if outcome == "met by APL":
            found[ref] = Backing(by_apl=True).merged(found.get(ref))
    return found


@dataclass
class JudgedCriterion:
    """One criterion of a decision as every page that judges or reviews it shows it."""

    ref: str
    text: str
    judgement: CriterionJudgement | None
    entries: list  # the snapshot's (criterion, evidence version) entries for it
    methods: list[AssessmentMethod]
    backing: Backing
    signoffs: list = field(default_factory=list)
    observed: list = field(default_factory=list)

    @property
    def backed_by(self) -> list[str]:
        return backing_lines(self.backing)

    @property
    def backed(self) -> bool:
        return not self.methods or is_backed(self.methods, self.backing)

    @property
    def carried(self) -> bool:
        """Met because it was met in the previous attempt and the assessor carried it forward."""
        return bool(self.judgement and self.judgement.carried)

    @property
    def overridden(self) -> bool:
        """Judged met on the assessor's stated reason, with no allowed method behind it."""
        j = self.judgement
        return bool(
            j and j.outcome == "met" and j.override_reason.strip() and not self.backed and not j.carried
        )


def judged_criteria(
    assessment: Assessment, submission=None, *, workplace: bool = True
) -> list[JudgedCriterion]:
    """Each criterion of the decision with its text, judgement, snapshot evidence, allowed methods and what
    backs it now; `workplace` adds the standing sign-offs and signed observations (staff pages only)."""
    criteria = _criteria_of(assessment.module_id)
    texts = {c.ref: c.text for c in criteria}
    methods = {c.ref: c.methods for c in criteria} if assessment.kind == AssessmentKind.SUBMISSION else {}
    entries = submission.entries if submission is not None else []
    # The workplace records are read once: they back criteria (everyone's view) and are listed (staff's).
    where = (assessment.candidate_id, assessment.family, assessment.module_code)
    signoffs, observed = signoffs_for(*where), observed_criteria(*where)
    backing = backing_of(assessment, attested_from(observed, signoffs))
    if not workplace:
        signoffs, observed = {}, {}
    return [
        JudgedCriterion(
            ref=j.criterion_ref,
            text=texts.get(j.criterion_ref, ""),
            judgement=j,
            entries=[e for e in entries if e.criterion_ref == j.criterion_ref],
            methods=methods.get(j.criterion_ref, []),
            backing=backing.get(j.criterion_ref, Backing()),
            signoffs=signoffs.get(j.criterion_ref, []),
            observed=observed.get(j.criterion_ref, []),
        )
        for j in assessment.judgements
    ]


# The previous attempt ------------------------------------------------------------------------------------


@dataclass
class PreviousAttempt:
    """The decision on the attempt before this one (or the round before this one of an APL claim sent again
    after "more evidence"), as the assessor judging the later one needs it."""

    assessment: Assessment
    attempt: int  # its attempt number, or its round
    reviews: list[tuple[IqaReview, str]]  # each IQA review with the reviewer's name
    changes: EvidenceChanges
    # An APL round: what the candidate changed in the claim since (None: that round kept no copy of it).
    claim_changes: ClaimChanges | None = None

    @property
    def noun(self) -> str:
        return "Attempt" if self.assessment.kind == AssessmentKind.SUBMISSION else "Round"

    @property
    def judgements(self) -> dict[str, CriterionJudgement]:
        return {j.criterion_ref: j for j in self.assessment.judgements}

    @property
    def met_refs(self) -> list[str]:
        return [j.criterion_ref for j in self.assessment.judgements if j.outcome == "met"]

    @property
    def decision_label(self) -> str:
        decision = self.assessment.decision
        return Decision(decision).label if decision else "Not decided"

    def carryable(self, judgements) -> list[str]:
        """The criteria met last time that are still open in this attempt (`judgements`). An APL round
        judges the claim afresh, so nothing is carried into it."""
        if self.assessment.kind != AssessmentKind.SUBMISSION:
            return []
        open_here = {j.criterion_ref for j in judgements if j.outcome is None}
        return [ref for ref in self.met_refs if ref in open_here]


def _with_reviewers(previous: Assessment, number: int, changes: EvidenceChanges, **more) -> PreviousAttempt:
    reviewer_ids = {r.reviewer_id for r in previous.reviews if r.reviewer_id}
    who = select(User.id, User.name).where(User.id.in_(reviewer_ids))
    names = dict(db.session.execute(who).all()) if reviewer_ids else {}  # a list of rows, not a Result
    reviews = [(r, names.get(r.reviewer_id, "An IQA")) for r in previous.reviews]
    return PreviousAttempt(previous, number, reviews, changes, **more)


_LOADED = (selectinload(Assessment.judgements), selectinload(Assessment.reviews))


def previous_attempt(assessment: Assessment, submission: Submission | None = None) -> PreviousAttempt | None:
    """The decision on the candidate's latest earlier attempt at this module that was marked (or on the
    claim's previous round), with its judgements, IQA reviews and what changed in the evidence since (at
    most 6 statements)."""
    if assessment.kind != AssessmentKind.SUBMISSION:
        return _previous_round(assessment)
    submission = submission or db.session.get(Submission, assessment.submission_id)
    if submission is None or submission.attempt <= 1:
        return None
    found = db.session.execute(
        select(Assessment, Submission.attempt)
        .join(Submission, Assessment.submission_id == Submission.id)
        .where(
            Submission.candidate_id == submission.candidate_id,
            Submission.family == submission.family,
            Submission.module_code == submission.module_code,
            Submission.attempt < submission.attempt,
        )
        .order_by(Submission.attempt.desc())
        .limit(1)
        .options(*_LOADED)
    ).first()
    if found is None:
        return None
    previous, attempt = found
    return _with_reviewers(previous, attempt, evidence_changes(previous.submission_id, submission.id))


def _previous_round(assessment: Assessment) -> PreviousAttempt | None:
    """The decision on the round of this APL claim before this one, and what the candidate changed in the
    claim since (its details and its evidence, item by item)."""
    if assessment.round <= 1:
        return None
    previous = db.session.scalar(
        select(Assessment)
        .where(Assessment.apl_claim_id == assessment.apl_claim_id, Assessment.round < assessment.round)
        .order_by(Assessment.round.desc())
        .limit(1)
        .options(*_LOADED)
    )
    if previous is None:
        return None
    changed = claim_changes(previous.claim_snapshot, assessment.claim_snapshot)
    evidence = changed.evidence if changed is not None else EvidenceChanges()
    return _with_reviewers(previous, previous.round, evidence, claim_changes=changed)
