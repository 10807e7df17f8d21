"""The `qualification-spec/1` interchange format: parse, validate, export, and check awards add up (pure)."""

from qualification.spec.export import progression_map, spec_to_document
from qualification.spec.model import (
    FORMAT,
    METHODS,
    AwardSpec,
    CriterionSpec,
    ModuleSpec,
    OptionGroupSpec,
    OutcomeSpec,
    Spec,
    SpecInvalid,
)
from qualification.spec.parse import parse_spec
from qualification.spec.satisfy import Satisfiability, award_satisfiability

__all__ = [
    "FORMAT",
    "METHODS",
    "AwardSpec",
    "CriterionSpec",
    "ModuleSpec",
    "OptionGroupSpec",
    "OutcomeSpec",
    "Satisfiability",
    "Spec",
    "SpecInvalid",
    "award_satisfiability",
    "parse_spec",
    "progression_map",
    "spec_to_document",
]
