"""The export side of the format: a Spec back to its document, and the award-to-award progression map."""

from __future__ import annotations

from qualification.spec.model import FORMAT, AwardSpec, ModuleSpec, Spec


def spec_to_document(spec: Spec) -> dict:
    """The `qualification-spec/1` document of a spec, every field written out, lists in their stored order."""
    return {
        "format": FORMAT,
        "code": spec.code,
        "title": spec.title,
        "provider": spec.provider,
        "modules": [_module(module) for module in spec.modules],
        "awards": [_award(award) for award in spec.awards],
    }


def _module(module: ModuleSpec) -> dict:
    return {
        "code": module.code,
        "title": module.title,
        "level": module.level,
        "credits": module.credits,
        "summary": module.summary,
        "cpd": module.cpd,
        "outcomes": [
            {
                "ref": outcome.ref,
                "text": outcome.text,
                "criteria": [
                    {"ref": criterion.ref, "text": criterion.text, "methods": list(criterion.methods)}
                    for criterion in outcome.criteria
                ],
            }
            for outcome in module.outcomes
        ],
    }


def _award(award: AwardSpec) -> dict:
    return {
        "code": award.code,
        "title": award.title,
        "level": award.level,
        "credits": award.credits,
        "apl_max_credits": award.apl_max_credits,
        "compulsory": list(award.compulsory),
        "options": [
            {
                "title": group.title,
                "modules": list(group.modules),
                "min_credits": group.min_credits,
                "max_credits": group.max_credits,
            }
            for group in award.options
        ],
        "includes": list(award.includes),
        "progression": list(award.progression),
    }


def progression_map(spec: Spec) -> list[tuple[str, str]]:
    """The (from, to) award edges a candidate sees on the progression map, in document order."""
    return [(award.code, target) for award in spec.awards for target in award.progression]
