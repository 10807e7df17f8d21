"""Whether an award's rules can add up to exactly its credits: an example choice, or the reason why not."""

# The search works on *classes* of modules: modules with the same credits that appear in exactly the same
# places (compulsory lists and option groups) of the award and the awards it includes. Such modules are
# interchangeable, so a state only needs how many of each class are taken, not which ones, and two
# outcomes are merged by trying each feasible overlap count instead of each subset. Within an option group,
# classes that nothing else looks at fold into a subset-sum over credit totals (bounded by the group's
# max_credits and, below the top award, by the award's credits); only classes shared with other places
# (the MA's and the PG Certificate's "M09-M12") are tracked by count.

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import product

from qualification.spec.model import AwardSpec, OptionGroupSpec

# A pathological award (many differently sized modules shared with included awards) could make the search
# slow; past this many states it stops with a plain message rather than hold up an import or a page.
STATE_BUDGET = 200_000
# Real qualifications nest two or three awards; a deeper chain is a mistake or an attack on import time.
MAX_INCLUDED_AWARDS = 25

_COMPULSORY = -1  # the "group index" of an award's compulsory list in a place


@dataclass(frozen=True)
class Satisfiability:
    """The verdict on one award: `example` is one valid set of module codes when `ok`."""

    ok: bool
    explanation: str
    example: tuple[str, ...] = ()


class _TooHard(Exception):
    """The search passed STATE_BUDGET."""


def award_satisfiability(
    award: AwardSpec, modules_by_code: Mapping[str, int], awards_by_code: Mapping[str, AwardSpec]
) -> Satisfiability:
    """Can some choice of options bring `award`, its included awards met in full, to exactly its credits?"""
    awards = {**awards_by_code, award.code: award}
    return _check(award, modules_by_code, awards, {}, ())


def _check(
    award: AwardSpec,
    modules: Mapping[str, int],
    awards: Mapping[str, AwardSpec],
    memo: dict[str, Satisfiability],
    stack: tuple[str, ...],
) -> Satisfiability:
    if award.code in memo:
        return memo[award.code]
    problem = _shape_problem(award, modules, awards) or _too_many_included(award, awards)
    if problem:
        return _remember(memo, award, Satisfiability(False, problem))
    path = (*stack, award.code)
    for code in award.includes:
        if code in path:
            cycle = " -> ".join((*path[path.index(code) :], code))
            return _remember(memo, award, Satisfiability(False, f"Award {code} includes itself: {cycle}."))
        included = _check(awards[code], modules, awards, memo, path)
        if not included.ok:
            reason = f"The included award {code} cannot be satisfied: {included.explanation}"
            return _remember(memo, award, Satisfiability(False, reason))
    return _remember(memo, award, _Search(award, modules, awards).run())


def _remember(memo: dict[str, Satisfiability], award: AwardSpec, result: Satisfiability) -> Satisfiability:
    memo[award.code] = result
    return result


def _shape_problem(award: AwardSpec, modules: Mapping[str, int], awards: Mapping[str, AwardSpec]) -> str:
    """The first broken rule of the award alone: unknown codes, a module placed twice, a hopeless group."""
    where: dict[str, int] = {}
    for code in award.compulsory:
        if code not in modules:
            return f"Module {code} is not in this qualification."
        if code in where:
            return f"Module {code} is listed twice as compulsory."
        where[code] = _COMPULSORY
    for index, group in enumerate(award.options):
        name = f"option group '{group.title}'"
        if group.min_credits > group.max_credits:
            return (
                f"The {name} asks for at least {group.min_credits} credits but at most {group.max_credits}."
            )
        for code in group.modules:
            if code not in modules:
                return f"Module {code} is not in this qualification."
            if code in where:
                first = where[code]
                if first == _COMPULSORY:
                    return f"Module {code} appears both as compulsory and in {name}."
                if first == index:
                    return f"Module {code} appears twice in {name}."
                return (
                    f"Module {code} appears in both option group '{award.options[first].title}' and {name}."
                )
            where[code] = index
        hopeless = _hopeless_group(group, [modules[code] for code in group.modules])
        if hopeless:
            return hopeless
    for code in award.includes:
        if code not in awards:
            return f"Award {code} is not in this qualification."
    return ""


def _too_many_included(award: AwardSpec, awards: Mapping[str, AwardSpec]) -> str:
    # Every award under this one is searched again in its context, so a long chain costs its square in work.
    seen, todo = {award.code}, list(award.includes)
    while todo:
        code = todo.pop()
        if code not in seen and code in awards:
            seen.add(code)
            todo.extend(awards[code].includes)
    if len(seen) - 1 <= MAX_INCLUDED_AWARDS:
        return ""
    return (
        f"Award {award.code} includes {len(seen) - 1} awards in all, directly or through others; "
        f"Waymark can check at most {MAX_INCLUDED_AWARDS}."
    )


def _hopeless_group(group: OptionGroupSpec, credits: list[int]) -> str:
    sums = {0}
    for value in credits:
        sums |= {total + value for total in sums if total + value <= group.max_credits}
    if any(total >= group.min_credits for total in sums):
        return ""
    name = f"option group '{group.title}'"
    if sum(credits) < group.min_credits:
        total = sum(credits)
        return (
            f"The {name} needs at least {group.min_credits} credits but its modules add up to only {total}."
        )
    worth = _joined([str(value) for value in credits], "and")
    wanted = _credit_range(group.min_credits, group.max_credits)
    return f"No choice of modules in the {name} gives {wanted}: its modules are worth {worth} credits."


class _Search:
    """The joint search over the award's options and those of the awards it includes."""

    def __init__(self, top: AwardSpec, modules: Mapping[str, int], awards: Mapping[str, AwardSpec]) -> None:
        self.top, self.modules, self.awards = top, modules, awards
        self.closure: dict[str, set[str]] = {}
        self._close(top.code)
        places: dict[str, set[tuple[str, int]]] = defaultdict(set)
        for code in self.closure[top.code]:
            award = self.award(code)
            for module in award.compulsory:
                places[module].add((code, _COMPULSORY))
            for index, group in enumerate(award.options):
                for module in group.modules:
                    places[module].add((code, index))
        classes: dict[tuple[int, frozenset[tuple[str, int]]], int] = {}
        self.members: list[list[str]] = []
        self.class_of: dict[str, int] = {}
        for module in sorted(places):
            signature = (modules[module], frozenset(places[module]))
            if signature not in classes:
                classes[signature] = len(self.members)
                self.members.append([])
            self.members[classes[signature]].append(module)
            self.class_of[module] = classes[signature]
        # Classes an award's outcome must report by count: those that also appear outside its own closure.
        self.inside: dict[str, set[int]] = {}
        self.relevant: dict[str, set[int]] = {}
        for code, closure in self.closure.items():
            self.inside[code] = {
                self.class_of[m] for m, where in places.items() if any(a in closure for a, _ in where)
            }
            self.relevant[code] = {
                self.class_of[m]
                for m, where in places.items()
                if self.class_of[m] in self.inside[code] and any(a not in closure for a, _ in where)
            }
        self.outcomes: dict[str, dict[tuple, tuple[str, ...]]] = {}
        self.stuck: tuple[str, int] | None = None
        self.states = 0

    def award(self, code: str) -> AwardSpec:
        return self.top if code == self.top.code else self.awards[code]

    def _close(self, code: str) -> set[str]:
        if code not in self.closure:
            self.closure[code] = {code}.union(*(self._close(inc) for inc in self.award(code).includes))
        return self.closure[code]

    def run(self) -> Satisfiability:
        try:
            states = self._solve(self.top.code)
        except _TooHard:
            return Satisfiability(False, _TOO_HARD)
        totals = {total: example for (_, total), example in states.items()}
        credits = self.top.credits
        if credits in totals:
            example = totals[credits]
            return Satisfiability(
                True, f"For example, {_joined(list(example), 'and')} give exactly {credits} credits.", example
            )
        if not totals:
            code, index = self.stuck or (self.top.code, 0)
            group = self.award(code).options[index]
            wanted = _credit_range(group.min_credits, group.max_credits)
            return Satisfiability(
                False,
                f"The option group '{group.title}' cannot get {wanted} from modules that "
                "the included awards have not already counted.",
            )
        return Satisfiability(False, _why_not(self.top, self.modules, sorted(totals)))

    def _solve(self, code: str) -> dict[tuple, tuple[str, ...]]:
        """Each distinct outcome of the award's rules: (counts of classes still needed, total) -> example."""
        award = self.award(code)
        cap = None if code == self.top.code else award.credits
        own_groups = [{self.class_of[m] for m in group.modules} for group in award.options]
        states: dict[tuple, tuple[str, ...]] = {((), 0): ()}
        for index, included in enumerate(award.includes):
            keep = self.relevant[code].union(
                *own_groups, *(self.inside[c] for c in award.includes[index + 1 :])
            )
            keep |= {self.class_of[m] for m in award.compulsory}
            merged: dict[tuple, tuple[str, ...]] = {}
            for example in states.values():
                for theirs in self._included(included).values():
                    for union in self._merges(example, theirs):
                        self._add(merged, union, keep, cap)
            states = merged
        keep = self.relevant[code].union(*own_groups)
        with_compulsory: dict[tuple, tuple[str, ...]] = {}
        for example in states.values():
            self._add(
                with_compulsory, example + tuple(m for m in award.compulsory if m not in example), keep, cap
            )
        states = with_compulsory
        for index, group in enumerate(award.options):
            keep = self.relevant[code].union(*own_groups[index + 1 :])
            chosen: dict[tuple, tuple[str, ...]] = {}
            for (_, total), example in states.items():
                room = None if cap is None else cap - total
                for picked in self._group_choices(example, group, keep, room):
                    self._add(chosen, example + picked, keep, cap)
            if states and not chosen and self.stuck is None:
                self.stuck = (code, index)
            states = chosen
        return states

    def _included(self, code: str) -> dict[tuple, tuple[str, ...]]:
        """The ways an included award's rules are met in full, by the counts of classes others also use."""
        if code not in self.outcomes:
            credits = self.award(code).credits
            self.outcomes[code] = {
                key: ex for (key, total), ex in self._solve(code).items() if total == credits
            }
        return self.outcomes[code]

    def _merges(self, mine: tuple[str, ...], theirs: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        """The distinct unions of two outcomes: interchangeable modules may overlap by any feasible amount."""
        taken = set(mine)
        my_classes, their_classes = _by_class(mine, self.class_of), _by_class(theirs, self.class_of)
        renamings = []
        for cls, their_members in their_classes.items():
            if cls not in my_classes:
                continue
            ours, free = my_classes[cls], [m for m in self.members[cls] if m not in taken]
            size, have, want = len(self.members[cls]), len(ours), len(their_members)
            renamings.append(
                [
                    dict(zip(their_members, ours[:overlap] + free[: want - overlap], strict=True))
                    for overlap in range(max(0, have + want - size), min(have, want) + 1)
                ]
            )
        for choice in product(*renamings):
            rename = {old: new for part in choice for old, new in part.items()}
            yield mine + tuple(m for m in (rename.get(m, m) for m in theirs) if m not in taken)

    def _group_choices(
        self, example: tuple[str, ...], group: OptionGroupSpec, keep: set[int], room: int | None
    ) -> list[tuple[str, ...]]:
        """Distinct picks from one group's untaken modules whose credits lie within its bounds."""
        taken = set(example)
        available = _by_class([m for m in group.modules if m not in taken], self.class_of)
        ceiling = group.max_credits if room is None else min(group.max_credits, room)
        partial: dict[tuple, tuple[str, ...]] = {((), 0): ()}
        for cls, members in available.items():
            credit = self.modules[members[0]]
            grown: dict[tuple, tuple[str, ...]] = {}
            for (key, total), picked in partial.items():
                for count in range(len(members) + 1):
                    if total + count * credit > ceiling:
                        break
                    tracked = (*key, (cls, count)) if cls in keep else key
                    grown.setdefault((tracked, total + count * credit), picked + tuple(members[:count]))
                    self._tick()
            partial = grown
        return [picked for (_, total), picked in partial.items() if total >= group.min_credits]

    def _add(self, states: dict, example: tuple[str, ...], keep: set[int], cap: int | None) -> None:
        total = sum(self.modules[m] for m in example)
        if cap is not None and total > cap:
            return
        counts = Counter(cls for m in example if (cls := self.class_of[m]) in keep)
        states.setdefault((tuple(sorted(counts.items())), total), example)
        self._tick()

    def _tick(self) -> None:
        self.states += 1
        if self.states > STATE_BUDGET:
            raise _TooHard


_TOO_HARD = (
    "Waymark cannot check this award: its option groups share too many modules of different sizes with the "
    "awards it includes. Please simplify the option groups."
)


def _by_class(codes: list[str] | tuple[str, ...], class_of: Mapping[str, int]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for code in codes:
        grouped.setdefault(class_of[code], []).append(code)
    return grouped


def _why_not(award: AwardSpec, modules: Mapping[str, int], totals: list[int]) -> str:
    """Why the reachable totals miss the award's credits, in a course leader's words."""
    groups = "option group" if len(award.options) == 1 else "option groups"
    outcome = _totals_phrase(totals, award.credits)
    if award.includes:
        plural = "s" if len(award.includes) > 1 else ""
        parts = [f"the included award{plural} {_joined(list(award.includes), 'and')}"]
        parts += ["the compulsory modules"] * bool(award.compulsory) + [f"the {groups}"] * bool(award.options)
        return f"Counting {_joined(parts, 'and')}, {outcome}."
    compulsory = sum(modules[m] for m in award.compulsory)
    start = (
        f"Compulsory modules give {compulsory} credits"
        if award.compulsory
        else "There are no compulsory modules"
    )
    if not award.options:
        return f"{start} and there are no option groups, so {outcome}."
    low, high = totals[0] - compulsory, totals[-1] - compulsory
    if low == high:
        adds = f"always add{'s' if len(award.options) == 1 else ''} {low}"
    else:
        adds = f"can add {low} to {high}"
    return f"{start} and the {groups} {adds}, so {outcome}."


def _totals_phrase(totals: list[int], credits: int) -> str:
    if len(totals) == 1:
        return f"the total is always {totals[0]}, not {credits}"
    if totals[0] < credits < totals[-1] and len(totals) <= 6:
        return f"the total can be {_joined([str(t) for t in totals], 'or')}, never exactly {credits}"
    return f"the total can be {totals[0]} to {totals[-1]}, never exactly {credits}"


def _credit_range(low: int, high: int) -> str:
    return f"exactly {low} credits" if low == high else f"{low} to {high} credits"


def _joined(words: list[str], last: str) -> str:
    if len(words) <= 1:
        return words[0] if words else "no modules"
    return f"{', '.join(words[:-1])} {last} {words[-1]}"
