"""The normalised qualification spec: frozen dataclasses, the format's vocabulary and its error."""

from __future__ import annotations

from dataclasses import dataclass

FORMAT = "qualification-spec/1"
METHODS = (
    "portfolio",
    "observation",
    "competence",
    "reflective_account",
    "professional_discussion",
    "assignment",
)


@dataclass(frozen=True)
class CriterionSpec:
    """An assessment criterion and the methods that can show it."""

    ref: str
    text: str
    methods: tuple[str, ...]


@dataclass(frozen=True)
class OutcomeSpec:
    """A learning outcome of a module with its assessment criteria."""

    ref: str
    text: str
    criteria: tuple[CriterionSpec, ...]


@dataclass(frozen=True)
class ModuleSpec:
    """A module: credits, level, whether it stands alone as CPD, and its outcomes."""

    code: str
    title: str
    level: int
    credits: int
    summary: str
    cpd: bool
    outcomes: tuple[OutcomeSpec, ...]


@dataclass(frozen=True)
class OptionGroupSpec:
    """Modules a candidate chooses from, worth between min_credits and max_credits in total."""

    title: str
    modules: tuple[str, ...]
    min_credits: int
    max_credits: int


@dataclass(frozen=True)
class AwardSpec:
    """An award: its credit total and the rules (compulsory, options, included awards) that reach it."""

    code: str
    title: str
    level: int
    credits: int
    apl_max_credits: int = 0
    compulsory: tuple[str, ...] = ()
    options: tuple[OptionGroupSpec, ...] = ()
    includes: tuple[str, ...] = ()
    progression: tuple[str, ...] = ()


@dataclass(frozen=True)
class Spec:
    """A whole qualification: its modules and the awards built from them."""

    code: str
    title: str
    provider: str | None
    modules: tuple[ModuleSpec, ...]
    awards: tuple[AwardSpec, ...]


class SpecInvalid(Exception):
    """A document that breaks the format; `problems` has one line per problem, each starting with its path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
