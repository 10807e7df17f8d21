"""Mapping evidence to assessment criteria: the criteria open to a candidate, and the map/unmap services.

An item may be mapped to any criterion of any module the candidate studies now (an active ModuleEnrolment),
looked up in the module *revision* that enrolment names: a candidate keeps the criteria of the version of
the qualification they enrolled on. Mappings store the criterion's stable ref, so the assessment and
submission code can read them without knowing the revision.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

from core.errors import ValidationFailed, require
from core.extensions import db
from modules.catalogue.models import AssessmentCriterion, AssessmentMethod, LearningOutcome, Module
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from portfolio.evidence.models import CriterionMapping, EvidenceItem, EvidenceTag
from portfolio.mapping.rules import KINDS_FOR
from portfolio.permissions import can_edit_item
from portfolio.services import audit_candidate
from qualification.membership.queries import require_writable

MAX_NOTE = 1000
PER_PAGE = 50
NOT_OPEN = "Choose a criterion of a module you are studying."
NONE_CHOSEN = "Tick at least one criterion this item shows."
DENIED = "You can only change your own evidence."


@dataclass(frozen=True)
class CriterionInfo:
    """A criterion open to the candidate, with where it sits."""

    family: str
    module_code: str
    module_title: str
    outcome_ref: str
    outcome_text: str
    ref: str
    text: str
    methods: tuple[str, ...]

    @classmethod
    def of(cls, module, outcome, criterion) -> CriterionInfo:
        """The criterion as it sits in its outcome and module."""
        return cls(
            module.family,
            module.code,
            module.title,
            outcome.ref,
            outcome.text,
            criterion.ref,
            criterion.text,
            tuple(m.value for m in criterion.methods),
        )

    @property
    def value(self) -> str:
        """The criterion as a form value: "CCQ/M01.1.2"."""
        return f"{self.family}/{self.ref}"

    @property
    def label(self) -> str:
        """As a choice shows it: "M01.1.2 Refers learners to the PA with a rationale"."""
        return f"{self.ref} {self.text}"

    @property
    def shown_by(self) -> str:
        """The methods that can show it, in words: "workplace observation or competence sign-off"."""
        return " or ".join(AssessmentMethod(m).label.lower() for m in self.methods)

    def shows_kind(self, kind: str) -> bool:
        """Whether evidence of this kind can show the criterion by one of its methods on its own."""
        return any(kind in KINDS_FOR[AssessmentMethod(m)] for m in self.methods)


def _active_module_ids(user_id: int):
    return select(ModuleEnrolment.module_id).where(
        ModuleEnrolment.candidate_id == user_id, ModuleEnrolment.status == EnrolmentStatus.ACTIVE
    )


def studied_modules(user_id: int) -> list[Module]:
    """The module revisions the person studies now, with outcomes, criteria and methods (4 statements)."""
    return list(
        db.session.scalars(
            select(Module)
            .where(Module.id.in_(_active_module_ids(user_id)))
            .order_by(Module.family, Module.code)
            .options(selectinload(Module.outcomes).selectinload(LearningOutcome.criteria))
        )
    )


def available_criteria(user_id: int) -> list[CriterionInfo]:
    """Every criterion the person may map evidence to, in module > outcome > criterion order."""
    return [
        CriterionInfo.of(module, outcome, criterion)
        for module in studied_modules(user_id)
        for outcome in module.outcomes
        for criterion in outcome.criteria
    ]


def _short(text: str, length: int = 70) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def criterion_groups(criteria: list[CriterionInfo]) -> dict[str, dict[str, list[CriterionInfo]]]:
    """The criteria to tick, grouped by module ("M01 Communicating...") then outcome ("M01.1 Identify...")."""
    groups: dict[str, dict[str, list[CriterionInfo]]] = {}
    for c in criteria:
        module = groups.setdefault(f"{c.module_code} {c.module_title}", {})
        module.setdefault(f"{c.outcome_ref} {_short(c.outcome_text)}", []).append(c)
    return groups


def parse_criterion_value(value: str) -> tuple[str | None, str]:
    """A form value "CCQ/M01.1.2" (or a bare ref) as (family or None, ref)."""
    family, slash, ref = (value or "").strip().partition("/")
    return (family, ref) if slash else (None, family)


def find_criterion(user_id: int, ref: str, family: str | None = None) -> CriterionInfo:
    """The criterion with this ref in a module the person studies now; ValidationFailed if there is none."""
    query = (
        select(AssessmentCriterion, LearningOutcome, Module)
        .join(LearningOutcome, AssessmentCriterion.outcome_id == LearningOutcome.id)
        .join(Module, LearningOutcome.module_id == Module.id)
        .where(Module.id.in_(_active_module_ids(user_id)), AssessmentCriterion.ref == ref)
    )
    if family:
        query = query.where(Module.family == family)
    rows = db.session.execute(query).all() if ref else []
    if len(rows) != 1:
        # None: not a criterion of a module they study. Several: the same ref in two qualifications.
        raise ValidationFailed({"criterion": NOT_OPEN})
    criterion, outcome, module = rows[0]
    return CriterionInfo.of(module, outcome, criterion)


def open_criterion(user_id: int, value: str) -> CriterionInfo | None:
    """The criterion a form value names ("CCQ/M01.1.3") if it is open to the person now, else None."""
    family, ref = parse_criterion_value(value)
    try:
        return find_criterion(user_id, ref, family) if ref else None
    except ValidationFailed:
        return None


def in_words(refs) -> str:
    """Refs in words: "M01.1.2", "M01.1.2 and M01.1.3" or "M01.1.2, M01.1.3 and M01.2.1"."""
    refs = list(refs)
    return refs[0] if len(refs) == 1 else f"{', '.join(refs[:-1])} and {refs[-1]}"


def _mapping(item: EvidenceItem, family: str, ref: str) -> CriterionMapping | None:
    return next((m for m in item.mappings if m.family == family and m.criterion_ref == ref), None)


def _checked_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed({"note": f"Keep the note under {MAX_NOTE:,} characters."})
    return note


def map_item(
    actor, item: EvidenceItem, *, criterion_ref: str, note: str = "", family: str | None = None
) -> CriterionMapping:
    """Map an item to a criterion of a module the candidate studies (mapping again changes the note)."""
    require(can_edit_item(actor, item), DENIED)
    require_writable(actor)
    note = _checked_note(note)
    criterion = find_criterion(item.candidate_id, (criterion_ref or "").strip(), family)
    return _map_one(actor, item, criterion, note)


def map_item_to_many(
    actor, item: EvidenceItem, *, criteria: list[str], note: str = ""
) -> list[CriterionMapping]:
    """Map an item to several criteria at once ("CCQ/M01.1.2" form values), with one note and one audit row
    per mapping. Every criterion is checked first: one that is not open to the candidate refuses them all,
    saying which, and nothing is mapped."""
    require(can_edit_item(actor, item), DENIED)
    require_writable(actor)
    note = _checked_note(note)
    values = list(dict.fromkeys(v.strip() for v in criteria or [] if v and v.strip()))
    if not values:
        raise ValidationFailed({"criterion": NONE_CHOSEN})
    found, unknown = [], []
    for value in values:
        family, ref = parse_criterion_value(value)
        try:
            found.append(find_criterion(item.candidate_id, ref, family))
        except ValidationFailed:
            unknown.append(ref or value)
    if unknown:
        named = ", ".join(unknown)
        verb = "is not a criterion" if len(unknown) == 1 else "are not criteria"
        raise ValidationFailed(
            {"criterion": f"Nothing was mapped: {named} {verb} of a module you study. {NOT_OPEN}"}
        )
    return [_map_one(actor, item, criterion, note) for criterion in found]


def _map_one(actor, item: EvidenceItem, criterion: CriterionInfo, note: str) -> CriterionMapping:
    mapping = _mapping(item, criterion.family, criterion.ref)
    if mapping is None:
        mapping = CriterionMapping(
            family=criterion.family, module_code=criterion.module_code, criterion_ref=criterion.ref, note=note
        )
        item.mappings.append(mapping)
        action, extra = "evidence_mapped", {}
    elif mapping.note != note:
        action, extra = "evidence_mapping_noted", {"before": mapping.note}
        mapping.note = note
    else:
        db.session.flush()
        return mapping
    db.session.flush()
    _audit(action, actor, item, mapping, note=note, content_hash=_content_hash(item), **extra)
    return mapping


def unmap_item(actor, item: EvidenceItem, *, criterion_ref: str, family: str | None = None) -> bool:
    """Take an item off a criterion; False if it was not mapped to it (a second click changes nothing)."""
    require(can_edit_item(actor, item), DENIED)
    require_writable(actor)
    mapping = next(
        (
            m
            for m in item.mappings
            if m.criterion_ref == criterion_ref and (family is None or m.family == family)
        ),
        None,
    )
    if mapping is None:
        return False
    item.mappings.remove(mapping)
    db.session.flush()
    _audit("evidence_unmapped", actor, item, mapping, note=mapping.note)
    return True


def _content_hash(item: EvidenceItem) -> str | None:
    return item.current.content_hash if item.current else None


def _audit(action: str, actor, item: EvidenceItem, mapping: CriterionMapping, **details) -> None:
    """The audit row of a mapping, a changed note or an unmapping, against the item's current version."""
    audit_candidate(
        action,
        actor,
        item,
        criterion=mapping.criterion_ref,
        module=f"{mapping.family}/{mapping.module_code}",
        version=item.current.number if item.current else None,
        **details,
    )


def working_items(
    candidate_id: int, *, module: str, tag: str, unmapped: bool, page: int
) -> list[EvidenceItem]:
    """The items of the working portfolio, newest first, one page (and one more, to tell there is more)."""
    query = (
        select(EvidenceItem)
        .where(EvidenceItem.candidate_id == candidate_id, EvidenceItem.deleted_at.is_(None))
        .order_by(EvidenceItem.id.desc())
        .options(joinedload(EvidenceItem.current), selectinload(EvidenceItem.mappings))
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    )
    mapped = select(CriterionMapping.id).where(CriterionMapping.item_id == EvidenceItem.id)
    if module:
        family, _, code = module.partition("/")
        query = query.where(
            exists(mapped.where(CriterionMapping.family == family, CriterionMapping.module_code == code))
        )
    if tag:
        framework, _, key = tag.partition(":")
        query = query.where(
            exists(
                select(EvidenceTag.id).where(
                    EvidenceTag.item_id == EvidenceItem.id,
                    EvidenceTag.framework == framework,
                    EvidenceTag.tag == key,
                )
            )
        )
    if unmapped:
        query = query.where(~exists(mapped))
    return list(db.session.scalars(query))
