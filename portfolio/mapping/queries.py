"""The gap view: per module, every criterion with its evidence, its status and what each method still needs.

`build_gap` is pure (rows in, view out), so its rules are tested without a database; `module_gap` loads
what it needs in a fixed number of statements, however many items and criteria there are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from core.accounts.models import User
from core.extensions import db
from modules.catalogue.models import AssessmentMethod, LearningOutcome, Module
from portfolio.evidence.models import CriterionMapping, EvidenceItem, EvidenceVersion, ItemKind
from portfolio.mapping.rules import Backing, backing_lines, is_backed, still_needs
from portfolio.submissions.models import Submission, SubmissionEntry, SubmissionStatus
from qualification.cohorts.models import AssessorAllocation
from qualification.results import services as results


class GapStatus(StrEnum):
    NO_EVIDENCE = "no evidence"
    MAPPED = "evidence mapped"
    SUBMITTED = "submitted"
    MET = "met"
    NOT_YET_MET = "not yet met"
    MET_BY_APL = "met by APL"


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
    backing: Backing = field(default_factory=Backing)

    @property
    def backed_by(self) -> list[str]:
        """What backs the criterion now, in words (allowed method or not)."""
        return backing_lines(self.backing)

    @property
    def backed(self) -> bool:
        return is_backed(self.methods, self.backing)

    @property
    def settled(self) -> bool:
        """Met already (a released result or accepted prior learning): nothing more is needed."""
        return self.status in SETTLED


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

    @property
    def shown(self) -> int:
        """How many criteria something shows by an allowed method (or are met already)."""
        return sum(1 for c in self.criteria if c.backed or c.settled)

    @property
    def not_shown(self) -> int:
        """How many criteria have evidence mapped that shows them by no allowed method (a photo for an
        observation-only criterion): counted apart, not as evidence."""
        return sum(1 for c in self.criteria if c.evidence and not (c.backed or c.settled))


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


def _evidence_backing(evidence: list[Evidence], status: GapStatus) -> Backing:
    titles: dict[str, list[str]] = {}
    for e in evidence:
        titles.setdefault(e.kind, []).append(e.title)
    return Backing(frozenset(titles), titles=titles, by_apl=status == GapStatus.MET_BY_APL)


def build_gap(
    module: Module,
    outcomes: list[LearningOutcome],
    mappings: list[CriterionMapping],
    submitted: set[str],
    results: dict[str, str],
    attested: Mapping[str, Backing] | None = None,
) -> ModuleGap:
    """The gap view from loaded rows (mappings with their items and current versions), with what the
    assessor attested in the workplace (`attested`: observations, sign-offs) per criterion ref."""
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
            backing = _evidence_backing(evidence, status).merged((attested or {}).get(criterion.ref))
            row.criteria.append(
                CriterionGap(
                    criterion.ref,
                    criterion.text,
                    methods,
                    evidence,
                    status,
                    still_needs(methods, backing, status in SETTLED),
                    backing,
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
        attested_backing(candidate_id, module.family, module.code),
    )


def attested_backing(candidate_id: int, family: str, code: str) -> dict[str, Backing]:
    """What the assessors attested per criterion (observations, sign-offs): the `assessors` area registers
    the source in `app.extensions["waymark_attestations"]`, because portfolio cannot import it."""
    found: dict[str, Backing] = {}
    for source in current_app.extensions.get("waymark_attestations", []):
        for ref, backing in source(candidate_id, family, code).items():
            found[ref] = backing.merged(found.get(ref))
    return found


def allocated_assessor_name(cohort_id: int | None, candidate_id: int) -> str | None:
    """The name of the candidate's allocated assessor in the cohort (None when nobody is allocated)."""
    if cohort_id is None:
        return None
    return db.session.scalar(
        select(User.name)
        .join(AssessorAllocation, AssessorAllocation.assessor_id == User.id)
        .where(AssessorAllocation.cohort_id == cohort_id, AssessorAllocation.candidate_id == candidate_id)
    )
