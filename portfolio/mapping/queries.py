"""The gap view: per module, every criterion with its evidence, its status and what each method still needs.

`build_gap` is pure (rows in, view out), so its rules are tested without a database; `module_gap` loads
what it needs in a fixed number of statements, however many items and criteria there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from core.extensions import db
from modules.catalogue.models import AssessmentMethod, LearningOutcome, Module
from portfolio.evidence.models import CriterionMapping, EvidenceItem, EvidenceVersion, ItemKind
from portfolio.submissions.models import Submission, SubmissionEntry, SubmissionStatus
from qualification.results import services as results


class GapStatus(StrEnum):
    NO_EVIDENCE = "no evidence"
    MAPPED = "evidence mapped"
    SUBMITTED = "submitted"
    MET = "met"
    NOT_YET_MET = "not yet met"
    MET_BY_APL = "met by APL"


# What satisfies each method in the working portfolio, and what the candidate reads when nothing does.
# Competence is signed off by the assessor, so no item of the candidate's satisfies it.
METHOD_NEEDS: dict[AssessmentMethod, tuple[frozenset[str], str]] = {
    AssessmentMethod.PORTFOLIO: (frozenset(ItemKind), "portfolio evidence"),
    AssessmentMethod.REFLECTIVE_ACCOUNT: (frozenset({ItemKind.ACCOUNT}), "a reflective account"),
    AssessmentMethod.PROFESSIONAL_DISCUSSION: (
        frozenset({ItemKind.DISCUSSION}),
        "a record of a professional discussion",
    ),
    AssessmentMethod.OBSERVATION: (frozenset({ItemKind.OBSERVATION}), "observation still to be planned"),
    AssessmentMethod.COMPETENCE: (frozenset(), "competence sign-off by your assessor"),
    AssessmentMethod.ASSIGNMENT: (frozenset({ItemKind.FILE, ItemKind.ACCOUNT}), "the assignment"),
}
SETTLED = frozenset({GapStatus.MET, GapStatus.MET_BY_APL})


@dataclass(frozen=True)
class Evidence:
    """An item as a criterion shows it."""

    item_id: int
    title: str
    kind: str
    note: str
    anonymised: bool

    @property
    def kind_label(self) -> str:
        return ItemKind(self.kind).label


@dataclass
class CriterionGap:
    ref: str
    text: str
    methods: list[AssessmentMethod]
    evidence: list[Evidence]
    status: GapStatus
    still_needs: list[str]


@dataclass
class OutcomeGap:
    ref: str
    text: str
    criteria: list[CriterionGap] = field(default_factory=list)


@dataclass
class ModuleGap:
    module: Module
    outcomes: list[OutcomeGap]

    @property
    def criteria(self) -> list[CriterionGap]:
        return [c for o in self.outcomes for c in o.criteria]

    def count(self, *statuses: GapStatus) -> int:
        """How many criteria have one of these statuses."""
        return sum(1 for c in self.criteria if c.status in statuses)


def criterion_outcomes(candidate_id: int, family: str, code: str) -> dict[str, str]:
    """Released results per criterion ref: "met", "not yet met" or "met by APL" (never an unreleased one)."""
    return results.criterion_outcomes(candidate_id, family, code)


def criterion_status(ref: str, evidence: list[Evidence], submitted: set[str], outcomes: dict) -> GapStatus:
    """One criterion's status: an assessed result first, then submitted, then whether evidence is mapped."""
    if ref in outcomes:
        return GapStatus(outcomes[ref])
    if ref in submitted:
        return GapStatus.SUBMITTED
    return GapStatus.MAPPED if evidence else GapStatus.NO_EVIDENCE


def still_needs(methods: list[AssessmentMethod], kinds: set[str], status: GapStatus) -> list[str]:
    """What each assessment method still needs, given the kinds of evidence mapped."""
    if status in SETTLED:
        return []
    needs = []
    for method in methods:
        satisfied_by, message = METHOD_NEEDS[method]
        if not satisfied_by & kinds:
            needs.append(message)
    return needs


def build_gap(
    module: Module,
    outcomes: list[LearningOutcome],
    mappings: list[CriterionMapping],
    submitted: set[str],
    results: dict[str, str],
) -> ModuleGap:
    """The gap view from loaded rows (mappings with their items and current versions)."""
    by_ref: dict[str, list[Evidence]] = {}
    for m in mappings:
        current = m.item.current
        by_ref.setdefault(m.criterion_ref, []).append(
            Evidence(
                m.item.id, current.title if current else "", m.item.kind, m.note, bool(m.item.anonymised_at)
            )
        )
    view = ModuleGap(module, [])
    for outcome in outcomes:
        row = OutcomeGap(outcome.ref, outcome.text)
        for criterion in outcome.criteria:
            evidence = by_ref.get(criterion.ref, [])
            status = criterion_status(criterion.ref, evidence, submitted, results)
            methods = criterion.methods
            kinds = {e.kind for e in evidence}
            row.criteria.append(
                CriterionGap(
                    criterion.ref,
                    criterion.text,
                    methods,
                    evidence,
                    status,
                    still_needs(methods, kinds, status),
                )
            )
        view.outcomes.append(row)
    return view


def submitted_refs(candidate_id: int, family: str, code: str) -> set[str]:
    """Criteria with evidence in a live (not withdrawn) submission of this module."""
    return set(
        db.session.scalars(
            select(SubmissionEntry.criterion_ref)
            .join(Submission, SubmissionEntry.submission_id == Submission.id)
            .where(
                Submission.candidate_id == candidate_id,
                Submission.family == family,
                Submission.module_code == code,
                Submission.status != SubmissionStatus.WITHDRAWN,
            )
            .distinct()
        )
    )


def submissions_holding(item_id: int) -> list[str]:
    """The module codes of the candidate's live (not withdrawn) submissions that include this item."""
    return list(
        db.session.scalars(
            select(Submission.module_code)
            .join(SubmissionEntry, SubmissionEntry.submission_id == Submission.id)
            .join(EvidenceVersion, SubmissionEntry.version_id == EvidenceVersion.id)
            .where(EvidenceVersion.item_id == item_id, Submission.status != SubmissionStatus.WITHDRAWN)
            .distinct()
            .order_by(Submission.module_code)
        )
    )


def module_gap(candidate_id: int, module: Module) -> ModuleGap:
    """The gap view of one module revision for a candidate (6 statements, whatever the numbers)."""
    outcomes = list(
        db.session.scalars(
            select(LearningOutcome)
            .where(LearningOutcome.module_id == module.id)
            .order_by(LearningOutcome.position)
            .options(selectinload(LearningOutcome.criteria))
        )
    )
    mappings = list(
        db.session.scalars(
            select(CriterionMapping)
            .join(EvidenceItem, CriterionMapping.item_id == EvidenceItem.id)
            .where(
                EvidenceItem.candidate_id == candidate_id,
                EvidenceItem.deleted_at.is_(None),
                CriterionMapping.family == module.family,
                CriterionMapping.module_code == module.code,
            )
            .order_by(EvidenceItem.id.desc())
            .options(
                contains_eager(CriterionMapping.item).joinedload(EvidenceItem.current),
                contains_eager(CriterionMapping.item).lazyload(EvidenceItem.tags),
            )
        )
    )
    return build_gap(
        module,
        outcomes,
        mappings,
        submitted_refs(candidate_id, module.family, module.code),
        criterion_outcomes(candidate_id, module.family, module.code),
    )
