"""Editing a draft module's learning outcomes and assessment criteria."""

# Refs are stable identifiers that evidence maps to: reordering never renumbers them, and a new statement
# gets a ref that no revision of the module has used before.

from __future__ import annotations

from sqlalchemy import or_, select

from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db
from modules.authoring.services.common import clean, neighbour, ordered, renumber
from modules.catalogue.models import (
    AssessmentCriterion,
    AssessmentMethod,
    CriterionMethod,
    LearningOutcome,
    Module,
)
from qualification.editor.rules import next_ref
from qualification.editor.services.modules import begin_edit, editable_module, save_edit
from qualification.spec.parse import REF_MAX, TEXT_MAX
from qualification.spec.reader import show
from qualification.versions.models import QualificationVersion, VersionModule

# Input ---------------------------------------------------------------------------------------------


def _text_errors(text: str, noun: str) -> dict[str, str]:
    if not text or len(text) > TEXT_MAX:
        return {"text": f"Enter the {noun} in 1 to {TEXT_MAX} characters."}
    return {}


def _criterion_input(text: str | None, methods) -> tuple[str, list[str]]:
    text = clean(text)
    errors = _text_errors(text, "criterion")
    chosen = list(dict.fromkeys(methods or ()))
    known = {m.value for m in AssessmentMethod}
    unknown = [m for m in chosen if m not in known]
    if unknown:
        errors["methods"] = f"{show(unknown[0])} is not an assessment method. Choose from the list."
    elif not chosen:
        errors["methods"] = "Choose at least one assessment method."
    if errors:
        raise ValidationFailed(errors)
    return text, chosen


# Finding rows --------------------------------------------------------------------------------------


def _outcome(module: Module, outcome_id) -> LearningOutcome:
    found = next((o for o in module.outcomes if o.id == outcome_id), None)
    if found is None:
        raise InvalidTransition("That learning outcome is not part of this module. Reload the page.")
    return found


def _criterion(module: Module, criterion_id) -> AssessmentCriterion:
    found = next((c for o in module.outcomes for c in o.criteria if c.id == criterion_id), None)
    if found is None:
        raise InvalidTransition("That assessment criterion is not part of this module. Reload the page.")
    return found


def _by_ref(rows, ref: str):
    # After a copy-on-write the ids the form sent belong to the old revision; the ref finds the copy's row.
    return next(row for row in rows if row.ref == ref)


def _criterion_by_ref(module: Module, ref: str) -> AssessmentCriterion:
    return next(c for o in module.outcomes for c in o.criteria if c.ref == ref)


def _taken_refs(version: QualificationVersion, module: Module) -> set[str]:
    """Refs that a new statement must not get: any revision of this module's, and any in this version."""
    module_ids = or_(
        LearningOutcome.module_id.in_(
            select(Module.id).where(Module.family == module.family, Module.code == module.code)
        ),
        LearningOutcome.module_id.in_(
            select(VersionModule.module_id).where(VersionModule.version_id == version.id)
        ),
    )
    outcome_refs = db.session.scalars(select(LearningOutcome.ref).where(module_ids))
    criterion_refs = db.session.scalars(
        select(AssessmentCriterion.ref).join(LearningOutcome).where(module_ids)
    )
    return {*outcome_refs, *criterion_refs}


def _examples(version: QualificationVersion, *, criteria: bool) -> list[tuple[str, list[str]]]:
    """How the draft names things, in document order: each module's code with its outcomes' refs, or
    (criteria=True) each outcome's ref with its criteria's refs (one query)."""
    if criteria:
        parent, child = LearningOutcome.ref, AssessmentCriterion.ref
        query = select(parent, child).join(
            AssessmentCriterion, AssessmentCriterion.outcome_id == LearningOutcome.id
        )
        order = (VersionModule.position, LearningOutcome.position, AssessmentCriterion.position)
    else:
        parent, child = VersionModule.code, LearningOutcome.ref
        query = select(parent, child).select_from(LearningOutcome)
        order = (VersionModule.position, LearningOutcome.position)
    rows = db.session.execute(
        query.join(VersionModule, VersionModule.module_id == LearningOutcome.module_id)
        .where(VersionModule.version_id == version.id)
        .order_by(*order)
    )
    found: dict[str, list[str]] = {}
    for parent_ref, ref in rows:
        found.setdefault(parent_ref, []).append(ref)
    return list(found.items())


def _new_ref(version: QualificationVersion, module: Module, parent: str, siblings, *, criteria: bool) -> str:
    """The next ref under `parent` in the style the qualification already uses (editor/rules.py)."""
    ref = next_ref(
        parent,
        [row.ref for row in ordered(siblings)],
        _examples(version, criteria=criteria),
        _taken_refs(version, module),
    )
    if len(ref) > REF_MAX:
        raise ValidationFailed(f"The ref {ref} would be longer than {REF_MAX} characters.")
    return ref


def _remove(action: str, actor, version, module: Module, rows, row, before: dict) -> None:
    """Delete one outcome or criterion; the ones after it close the gap (refs stay as they are)."""
    rows.remove(row)
    renumber(rows)
    save_edit(action, actor, version, module, row, before, None)


def _swap(action: str, actor, version, module: Module, rows, row, other) -> None:
    """Swap a row with its neighbour; the audit row keeps the order of refs before and after."""
    before = [r.ref for r in ordered(rows)]
    row.position, other.position = other.position, row.position
    after = [r.ref for r in ordered(rows)]
    save_edit(action, actor, version, module, row, {"order": before}, {"order": after})


# Learning outcomes ---------------------------------------------------------------------------------


def add_outcome(actor, version, code, *, expected_module_id, expected_version, text) -> LearningOutcome:
    """Add a learning outcome at the end of a draft module, with the next unused ref."""
    begin_edit(actor, version, code, expected_module_id, expected_version)
    text = clean(text)
    if errors := _text_errors(text, "learning outcome"):
        raise ValidationFailed(errors)
    module = editable_module(version, code, actor=actor)
    outcome = LearningOutcome(
        ref=_new_ref(version, module, module.code, module.outcomes, criteria=False),
        text=text,
        position=max((o.position for o in module.outcomes), default=-1) + 1,
    )
    module.outcomes.append(outcome)
    save_edit("outcome_added", actor, version, module, outcome, None, {"ref": outcome.ref, "text": text})
    return outcome


def update_outcome(
    actor, version, code, *, outcome_id, text, expected_module_id, expected_version
) -> LearningOutcome:
    """Change the wording of a learning outcome; its ref stays."""
    link = begin_edit(actor, version, code, expected_module_id, expected_version)
    current = _outcome(link.module, outcome_id)
    text = clean(text)
    if errors := _text_errors(text, "learning outcome"):
        raise ValidationFailed(errors)
    if text == current.text:
        return current
    module = editable_module(version, code, actor=actor)
    outcome = _by_ref(module.outcomes, current.ref)
    before = {"ref": outcome.ref, "text": outcome.text}
    outcome.text = text
    save_edit("outcome_updated", actor, version, module, outcome, before, {"ref": outcome.ref, "text": text})
    return outcome


def delete_outcome(actor, version, code, *, outcome_id, expected_module_id, expected_version) -> None:
    """Delete a learning outcome and its criteria; a module keeps at least one outcome."""
    link = begin_edit(actor, version, code, expected_module_id, expected_version)
    current = _outcome(link.module, outcome_id)
    if len(link.module.outcomes) == 1:
        raise ValidationFailed(
            f"{current.ref} is the module's only learning outcome, and a module needs at least one. "
            "Add another outcome first."
        )
    module = editable_module(version, code, actor=actor)
    outcome = _by_ref(module.outcomes, current.ref)
    before = {"ref": outcome.ref, "text": outcome.text, "criteria": [c.ref for c in outcome.criteria]}
    _remove("outcome_deleted", actor, version, module, module.outcomes, outcome, before)


def move_outcome(
    actor, version, code, *, outcome_id, direction, expected_module_id, expected_version
) -> None:
    """Swap a learning outcome with the one above or below it; refs are not renumbered."""
    link = begin_edit(actor, version, code, expected_module_id, expected_version)
    current = _outcome(link.module, outcome_id)
    other = neighbour(link.module.outcomes, current, direction, "learning outcome", current.ref)
    module = editable_module(version, code, actor=actor)
    outcome, swapped = _by_ref(module.outcomes, current.ref), _by_ref(module.outcomes, other.ref)
    _swap("outcome_moved", actor, version, module, module.outcomes, outcome, swapped)


# Assessment criteria -------------------------------------------------------------------------------


def _criterion_values(criterion: AssessmentCriterion) -> dict:
    return {"ref": criterion.ref, "text": criterion.text, "methods": [m.value for m in criterion.methods]}


def _set_methods(criterion: AssessmentCriterion, methods: list[str]) -> None:
    # Rows for methods that stay are kept: inserting a new row for the same method before the old one is
    # deleted would break the (criterion, method) unique constraint within one flush.
    existing = {row.method: row for row in criterion.method_rows}
    rows = []
    for position, method in enumerate(methods):
        row = existing.get(method) or CriterionMethod(method=method)
        row.position = position
        rows.append(row)
    criterion.method_rows = rows


def add_criterion(
    actor, version, code, *, outcome_id, text, methods, expected_module_id, expected_version
) -> AssessmentCriterion:
    """Add an assessment criterion at the end of a learning outcome, with the next unused ref."""
    link = begin_edit(actor, version, code, expected_module_id, expected_version)
    current = _outcome(link.module, outcome_id)
    text, methods = _criterion_input(text, methods)
    module = editable_module(version, code, actor=actor)
    outcome = _by_ref(module.outcomes, current.ref)
    criterion = AssessmentCriterion(
        ref=_new_ref(version, module, outcome.ref, outcome.criteria, criteria=True),
        text=text,
        position=max((c.position for c in outcome.criteria), default=-1) + 1,
    )
    _set_methods(criterion, methods)
    outcome.criteria.append(criterion)
    save_edit("criterion_added", actor, version, module, criterion, None, _criterion_values(criterion))
    return criterion


def update_criterion(
    actor, version, code, *, criterion_id, text, methods, expected_module_id, expected_version
) -> AssessmentCriterion:
    """Change an assessment criterion's wording and methods; its ref stays."""
    link = begin_edit(actor, version, code, expected_module_id, expected_version)
    current = _criterion(link.module, criterion_id)
    text, methods = _criterion_input(text, methods)
    if text == current.text and methods == [m.value for m in current.methods]:
        return current
    module = editable_module(version, code, actor=actor)
    criterion = _criterion_by_ref(module, current.ref)
    before = _criterion_values(criterion)
    criterion.text = text
    _set_methods(criterion, methods)
    save_edit("criterion_updated", actor, version, module, criterion, before, _criterion_values(criterion))
    return criterion


def delete_criterion(actor, version, code, *, criterion_id, expected_module_id, expected_version) -> None:
    """Delete an assessment criterion; a learning outcome keeps at least one."""
    link = begin_edit(actor, version, code, expected_module_id, expected_version)
    current = _criterion(link.module, criterion_id)
    if len(current.outcome.criteria) == 1:
        raise ValidationFailed(
            f"{current.ref} is the only assessment criterion of {current.outcome.ref}, and an outcome needs "
            "at least one. Add another criterion first, or delete the outcome."
        )
    module = editable_module(version, code, actor=actor)
    criterion = _criterion_by_ref(module, current.ref)
    _remove(
        "criterion_deleted",
        actor,
        version,
        module,
        criterion.outcome.criteria,
        criterion,
        _criterion_values(criterion),
    )


def move_criterion(
    actor, version, code, *, criterion_id, direction, expected_module_id, expected_version
) -> None:
    """Swap an assessment criterion with the one above or below it within its outcome."""
    link = begin_edit(actor, version, code, expected_module_id, expected_version)
    current = _criterion(link.module, criterion_id)
    other = neighbour(current.outcome.criteria, current, direction, "criterion of its outcome", current.ref)
    module = editable_module(version, code, actor=actor)
    criterion, swapped = _criterion_by_ref(module, current.ref), _criterion_by_ref(module, other.ref)
    _swap("criterion_moved", actor, version, module, criterion.outcome.criteria, criterion, swapped)
