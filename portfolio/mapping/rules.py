"""Which assessment methods back a criterion (pure): one rule for the gap view, marking, IQA, transcript.

A criterion names the methods that *can* show it (any one will do: domain.md section 3). What backs it is
gathered by the caller: the kinds of evidence mapped to it (the working portfolio, or a submission's frozen
snapshot), signed workplace observations that judged it met, standing competence sign-offs, and credit for
prior learning. Witness testimony is allowed for a competence sign-off (domain.md), so a confirmed
testimony backs the competence method; an observation record backs only the observation method, through
the observation's own judgement, never as "portfolio evidence" (a record that says "not yet met" shows
nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from modules.catalogue.models import AssessmentMethod
from portfolio.evidence.models import ItemKind

M = AssessmentMethod
# The kinds of the candidate's evidence that satisfy each method on their own.
KINDS_FOR: dict[AssessmentMethod, frozenset[str]] = {
    M.PORTFOLIO: frozenset(
        {ItemKind.FILE, ItemKind.ACCOUNT, ItemKind.LINK, ItemKind.DISCUSSION, ItemKind.TESTIMONY}
    ),
    M.REFLECTIVE_ACCOUNT: frozenset({ItemKind.ACCOUNT}),
    M.PROFESSIONAL_DISCUSSION: frozenset({ItemKind.DISCUSSION}),
    M.ASSIGNMENT: frozenset({ItemKind.FILE, ItemKind.ACCOUNT}),
    M.OBSERVATION: frozenset(),
    M.COMPETENCE: frozenset({ItemKind.TESTIMONY}),
}
# What the candidate reads when nothing satisfies a method yet.
STILL_NEEDED: dict[AssessmentMethod, str] = {
    M.PORTFOLIO: "portfolio evidence",
    M.REFLECTIVE_ACCOUNT: "a reflective account",
    M.PROFESSIONAL_DISCUSSION: "a record of a professional discussion",
    M.OBSERVATION: "observation still to be planned",
    M.COMPETENCE: "competence sign-off by your assessor",
    M.ASSIGNMENT: "the assignment",
}
# The kind of item to add for a method the candidate can fill themselves ("" = they choose the kind).
ADD_KIND: dict[AssessmentMethod, str] = {
    M.PORTFOLIO: "",
    M.ASSIGNMENT: "",
    M.REFLECTIVE_ACCOUNT: ItemKind.ACCOUNT.value,
    M.PROFESSIONAL_DISCUSSION: ItemKind.DISCUSSION.value,
}


@dataclass(frozen=True)
class Backing:
    """What shows one criterion now."""

    kinds: frozenset[str] = frozenset()
    observed: tuple[str, ...] = ()  # signed observations judging it met: "observation on 3 March 2026"
    signed_off: tuple[str, ...] = ()  # standing competence sign-offs, by their basis
    by_apl: bool = False
    titles: dict[str, list[str]] = field(default_factory=dict, compare=False)  # kind -> item titles

    def merged(self, other: Backing | None) -> Backing:
        if other is None:
            return self
        kinds = {*self.titles, *other.titles}
        titles = {k: [*self.titles.get(k, []), *other.titles.get(k, [])] for k in kinds}
        return Backing(
            self.kinds | other.kinds,
            self.observed + other.observed,
            self.signed_off + other.signed_off,
            self.by_apl or other.by_apl,
            titles,
        )


def methods_backed(methods: Iterable[AssessmentMethod], backing: Backing) -> list[AssessmentMethod]:
    """The allowed methods this backing satisfies, in the criterion's order."""
    found = []
    for method in methods:
        if (
            KINDS_FOR[method] & backing.kinds
            or (method is M.OBSERVATION and backing.observed)
            or (method is M.COMPETENCE and backing.signed_off)
        ):
            found.append(method)
    return found


def is_backed(methods: Iterable[AssessmentMethod], backing: Backing) -> bool:
    """Whether at least one allowed method backs the criterion (credit for prior learning always does)."""
    return backing.by_apl or bool(methods_backed(methods, backing))


def met_by(methods: Iterable[AssessmentMethod], backing: Backing) -> str:
    """How a met criterion was met, in words, for the decision and the transcript."""
    if backing.by_apl:
        return "Prior learning (APL)"
    return "; ".join(method.label for method in methods_backed(methods, backing))


def backing_lines(backing: Backing) -> list[str]:
    """What backs the criterion, one line per source, for the pages that judge or review it."""
    lines = [f"Workplace {seen}" for seen in backing.observed]
    lines += [f"Competence sign-off: {basis}" for basis in backing.signed_off]
    for kind in sorted(backing.kinds):
        titles = backing.titles.get(kind, [])
        label = ItemKind(kind).label
        lines.append(f"{label}: {', '.join(titles)}" if titles else label)
    if backing.by_apl:
        lines.append("Prior learning (APL) accepted")
    return lines


def still_needs(methods: list[AssessmentMethod], backing: Backing, settled: bool) -> list[str]:
    """What could still back the criterion: nothing once it is settled or backed, else each allowed method."""
    if settled or is_backed(methods, backing):
        return []
    return [STILL_NEEDED[method] for method in methods]


def unbacked_problem(ref: str, methods: list[AssessmentMethod]) -> str:
    """The plain sentence for a criterion judged met that no allowed method backs."""
    allowed = " or ".join(method.label.lower() for method in methods)
    return f"{ref} is judged met but nothing backs it by an allowed method ({allowed})"


def ask_assessor(methods: list[AssessmentMethod], assessor: str | None) -> str:
    """What the candidate asks their assessor for when only the assessor can back a criterion in the
    workplace ("" when no such method is allowed)."""
    observe, sign = M.OBSERVATION in methods, M.COMPETENCE in methods
    if not (observe or sign):
        return ""
    asks = ["to plan an observation"] if observe else []
    if sign:
        asks.append("to sign off your competence" if observe else "for a competence sign-off")
    wanted = " or ".join(asks)
    if assessor is None:
        return f"No assessor is allocated to you yet: once one is, ask them {wanted}."
    return f"Ask your assessor, {assessor}, {wanted}."
