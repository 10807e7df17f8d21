"""The export side of the format: a Spec back to its document, and the award-to-award progression map."""

from __future__ import annotations

from dataclasses import fields, is_dataclass

from qualification.spec.model import FORMAT, Spec


def spec_to_document(spec: Spec) -> dict:
    """The `qualification-spec/1` document of a spec, every field written out, lists in their stored order."""
    return {"format": FORMAT, **document_of(spec)}


def document_of(value):
    """A spec dataclass (a whole spec, a module, an award, an option group) as the document writes it."""
    # The document's keys are the spec dataclasses' field names, in the order they are declared.
    if is_dataclass(value):
        return {f.name: document_of(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (tuple, list)):
        return [document_of(item) for item in value]
    return value


def progression_map(spec: Spec) -> list[tuple[str, str]]:
    """The (from, to) award edges a candidate sees on the progression map, in document order."""
    return [(award.code, target) for award in spec.awards for target in award.progression]
