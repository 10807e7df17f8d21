"""A candidate's choice of optional modules on an award, checked live against the award's rules (pure)."""

# The choice plus every compulsory module of the award and its included awards is what the candidate will
# study. The check asks of that set what satisfy.py asks: can each included award take options from it that
# meet its rules in full, leaving the rest to the award's own groups within their bounds? A greedy pass
# (included awards first, document order) usually answers and explains; when it fails, an exact search
# tries every way of sharing the modules out, so the verdict always agrees with satisfiability.

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from core.web.words import plural
from qualification.spec.model import AwardSpec, OptionGroupSpec, Spec

# Sharing many modules between an award and those it includes could make the exact search slow; past this
# many steps it stops with a plain message rather than hold up the page.
SEARCH_BUDGET = 100_000
TOO_HARD = (
    "Waymark could not finish checking this choice because its option groups share too many modules; "
    "please ask your course leader to check it."
)
CANNOT_SHARE = (
    "These modules cannot be shared out among the option groups so that every award's rules are met; "
    "please try a different choice."
)

# Each award's picks, one tuple of module codes per option group, keyed by award code.
Picks = dict[str, tuple[tuple[str, ...], ...]]


@dataclass(frozen=True)
class GroupStatus:
    """One option group of the award or of an included award, and how the choice stands against it."""

    title: str
    chosen: tuple[str, ...]
    credits: int
    min_credits: int
    max_credits: int
    ok: bool
    message: str


@dataclass(frozen=True)
class PathwayCheck:
    """The verdict on a choice: every module the candidate will study, each group's state, what to fix."""

    ok: bool
    total_credits: int
    required_credits: int
    modules: tuple[str, ...]
    groups: tuple[GroupStatus, ...]
    problems: tuple[str, ...]
    summary: str


def option_choices(award: AwardSpec, spec: Spec) -> list[tuple[str, list[str]]]:
    """The option groups of the award and its included awards, as (label, module codes) for a form."""
    rules = _Rules(award, spec)
    return [
        (rules.label(code, group), [m for m in group.modules if m not in rules.compulsory])
        for code, _, group in rules.groups()
    ]


def check_pathway(award: AwardSpec, spec: Spec, chosen: Iterable[str]) -> PathwayCheck:
    """Check a candidate's optional modules against the award's rules, with a plain explanation."""
    rules = _Rules(award, spec)
    picked, problems = rules.sort_out(chosen)
    studied = set(rules.compulsory) | set(picked)
    picks = rules.greedy(picked)
    valid = rules.valid(picks, studied)
    total = rules.total(studied)
    if not valid and total == award.credits:  # otherwise no sharing out can make the choice right
        try:
            found = rules.search(studied)
        except _TooHard:
            found = None
            problems.append(TOO_HARD)
        if found is not None:
            picks, valid = found, True
    statuses = [
        rules.status(code, group, picks[code][index], studied) for code, index, group in rules.groups()
    ]
    problems += rules.explain(picks, statuses, picked)
    if total != award.credits:
        problems.append(f"Your modules add up to {total} credits; the award needs exactly {award.credits}.")
    if not valid and not problems:
        problems.append(CANNOT_SHARE)
    ok = valid and not problems
    things = plural(len(problems), "thing")
    summary = (
        f"Your choice meets the rules: {plural(total, 'credit')}."
        if ok
        else f"{things} to sort out before your choice is complete."
    )
    return PathwayCheck(
        ok=ok,
        total_credits=total,
        required_credits=award.credits,
        modules=rules.modules(picks, studied),
        groups=tuple(statuses),
        problems=tuple(problems),
        summary=summary,
    )


class _TooHard(Exception):
    """The exact search passed SEARCH_BUDGET."""


class _Rules:
    """The award's rules as lookups: the awards it includes, their compulsory modules and option groups."""

    def __init__(self, award: AwardSpec, spec: Spec) -> None:
        self.top = award
        self.credits = {m.code: m.credits for m in spec.modules}
        self.titles = {m.code: m.title for m in spec.modules}
        self.awards = {a.code: a for a in spec.awards} | {award.code: award}
        self.children: dict[str, tuple[str, ...]] = {}
        self.order: list[str] = []  # included awards first (depth first, document order), each once
        self._visit(award.code, ())
        self.compulsory: dict[str, str] = {}  # module -> the first award in `order` that makes it compulsory
        for code in self.order:
            for module in self.awards[code].compulsory:
                self.compulsory.setdefault(module, code)

    def _visit(self, code: str, path: tuple[str, ...]) -> None:
        # Unknown includes and cycles (impossible in a parsed spec) are left out rather than looped on.
        path = (*path, code)
        kept = tuple(c for c in self.awards[code].includes if c in self.awards and c not in path)
        self.children[code] = kept
        for child in kept:
            if child not in self.children:
                self._visit(child, path)
        self.order.append(code)

    def groups(self) -> list[tuple[str, int, OptionGroupSpec]]:
        return [(code, i, group) for code in self.order for i, group in enumerate(self.awards[code].options)]

    def label(self, code: str, group: OptionGroupSpec) -> str:
        return f"{self.awards[code].title}: {group.title}"

    def name(self, module: str) -> str:
        title = self.titles.get(module)
        return f"{module} {title}" if title else module

    def total(self, modules: Iterable[str]) -> int:
        return sum(self.credits.get(m, 0) for m in modules)

    def sort_out(self, chosen: Iterable[str]) -> tuple[list[str], list[str]]:
        """The chosen codes that can count as options, once each, and a sentence for each that cannot."""
        options = {m for _, _, group in self.groups() for m in group.modules}
        picked, problems, seen = [], [], set()
        for raw in chosen:
            code = str(raw).strip()
            if not code or code in seen:
                continue
            seen.add(code)
            if code not in self.credits:
                problems.append(f"{code} is not a module of this qualification.")
            elif code in self.compulsory:
                owner = self.compulsory[code]
                where = "this award" if owner == self.top.code else f"the {self.awards[owner].title}"
                problems.append(
                    f"{self.name(code)} is compulsory for {where} anyway, so you do not need to choose it."
                )
            elif code not in options:
                problems.append(f"{self.name(code)} is not an option of this award.")
            else:
                picked.append(code)
        return picked, problems

    def studied_by(self, code: str, picks: Picks) -> set[str]:
        """The modules an award counts under these picks: its included awards', compulsory and options."""
        modules = set(self.awards[code].compulsory).union(*picks.get(code, ()))
        return modules.union(*(self.studied_by(child, picks) for child in self.children[code]))

    def greedy(self, picked: list[str]) -> Picks:
        """Share the picks out, included awards first, each group taking what fits in document order."""
        chosen, used = set(picked), set()
        lists: dict[str, list[list[str]]] = {}
        for code in self.order:
            award = self.awards[code]
            total = self.total(self.studied_by(code, _frozen(lists)))
            lists[code] = []
            for group in award.options:
                taken, credits = [], 0
                for m in group.modules:
                    value = self.credits.get(m, 0)
                    fits = credits + value <= group.max_credits and total + value <= award.credits
                    if m in chosen and m not in used and fits:
                        taken.append(m)
                        used.add(m)
                        credits += value
                        total += value
                lists[code].append(taken)
        for m in picked:
            if m not in used:  # nowhere has room: it goes to the last group offering it, which is then over
                code, index = next((c, i) for c, i, g in reversed(self.groups()) if m in g.modules)
                lists[code][index].append(m)
        return _frozen(lists)

    def valid(self, picks: Picks, studied: set[str]) -> bool:
        """Whether the picks meet every group's bounds and every included award's credits exactly."""
        for code, index, group in self.groups():
            if not group.min_credits <= self.total(picks[code][index]) <= group.max_credits:
                return False
        for code in self.order[:-1]:
            if self.total(self.studied_by(code, picks)) != self.awards[code].credits:
                return False
        return self.studied_by(self.top.code, picks) == studied

    def search(self, studied: set[str]) -> Picks | None:
        """Exactly as satisfy.py counts: included awards met in full, the award's own groups take the rest."""
        self.steps = 0
        memo: dict[str, dict[frozenset[str], Picks]] = {}
        compulsory = set(self.top.compulsory)
        for base, picks in self._bases(self.top.code, studied, memo).items():
            own = tuple(
                tuple(m for m in g.modules if m in studied and m not in base) for g in self.top.options
            )
            covered = base.union(compulsory, *own)
            fits = all(_within(self.total(p), g) for p, g in zip(own, self.top.options, strict=True))
            if covered == studied and fits:
                return {**picks, self.top.code: own}
        return None

    def _bases(self, code: str, studied: set[str], memo: dict) -> dict[frozenset[str], Picks]:
        """Each distinct union of the included awards' outcomes, with picks that give it."""
        states: dict[frozenset[str], Picks] = {frozenset(): {}}
        for child in self.children[code]:
            merged: dict[frozenset[str], Picks] = {}
            for base, picks in states.items():
                for theirs, their_picks in self._outcomes(child, studied, memo).items():
                    self._tick()
                    merged.setdefault(base | theirs, {**their_picks, **picks})
            states = merged
        return states

    def _outcomes(self, code: str, studied: set[str], memo: dict) -> dict[frozenset[str], Picks]:
        """Each set of studied modules with which an included award meets its rules and credits in full."""
        if code not in memo:
            award = self.awards[code]
            found: dict[frozenset[str], Picks] = {}
            for base, picks in self._bases(code, studied, memo).items():
                start = base | set(award.compulsory)
                for own in self._choose(award, studied, base, self.total(start)):
                    found.setdefault(start.union(*own), {**picks, code: own})
            memo[code] = found
        return memo[code]

    def _choose(
        self, award: AwardSpec, studied: set[str], base: frozenset[str], start: int
    ) -> Iterator[tuple[tuple[str, ...], ...]]:
        def walk(index: int, total: int, done: tuple) -> Iterator[tuple[tuple[str, ...], ...]]:
            if index == len(award.options):
                if total == award.credits:
                    yield done
                return
            group = award.options[index]
            free = [m for m in group.modules if m in studied and m not in base]
            for pick in self._subsets(free, group, award.credits - total):
                yield from walk(index + 1, total + self.total(pick), (*done, pick))

        yield from walk(0, start, ())

    def _subsets(self, free: list[str], group: OptionGroupSpec, room: int) -> Iterator[tuple[str, ...]]:
        """Subsets of `free` within the group's bounds and the room left, larger and earlier ones first."""
        ceiling = min(group.max_credits, room)
        values = [self.credits.get(m, 0) for m in free]
        rest = [sum(values[i:]) for i in range(len(values) + 1)]

        def walk(i: int, picked: tuple[str, ...], total: int) -> Iterator[tuple[str, ...]]:
            self._tick()
            if total + rest[i] < group.min_credits:
                return
            if i == len(free):
                if total <= ceiling:
                    yield picked
                return
            if total + values[i] <= ceiling:
                yield from walk(i + 1, (*picked, free[i]), total + values[i])
            yield from walk(i + 1, picked, total)

        yield from walk(0, (), 0)

    def _tick(self) -> None:
        self.steps += 1
        if self.steps > SEARCH_BUDGET:
            raise _TooHard

    def status(
        self, code: str, group: OptionGroupSpec, chosen: tuple[str, ...], studied: set[str]
    ) -> GroupStatus:
        """How one group stands, with what to do next."""
        credits, low, high = self.total(chosen), group.min_credits, group.max_credits
        free = [m for m in group.modules if m not in studied]
        if credits < low:
            need = low - credits
            amount = f"{need} more credit{'' if need == 1 else 's'}"
            if low != high:
                amount = f"at least {amount}"
            message = (
                f"Choose {amount} from: {', '.join(free)}."
                if free
                else f"This group needs {amount}, but none of its modules is left to choose."
            )
        elif credits > high:
            fixes = [m for m in chosen if _within(credits - self.credits.get(m, 0), group)]
            if len(fixes) == 1:
                fix = f"Remove {fixes[0]}."
            elif fixes:
                fix = f"Remove one of {', '.join(fixes)}."
            else:
                worth = plural(credits - high, "credit")
                fix = f"Remove modules worth at least {worth} from: {', '.join(chosen)}."
            message = f"You have chosen {plural(credits, 'credit')}; this group allows at most {high}. {fix}"
        elif credits == 0 and high > 0 and free:
            message = f"Optional: you may choose up to {plural(high, 'credit')} from: {', '.join(free)}."
        else:
            message = f"Done: {plural(credits, 'credit')}."
        ok = low <= credits <= high
        return GroupStatus(self.label(code, group), chosen, credits, low, high, ok, message)

    def explain(self, picks: Picks, statuses: list[GroupStatus], picked: list[str]) -> list[str]:
        """A sentence for each group out of bounds and each included award off its credits."""
        owner = {m: code for code in self.order for group in picks[code] for m in group}
        problems = []
        for (code, _, group), status in zip(self.groups(), statuses, strict=True):
            if status.ok:
                continue
            award = self.awards[code]
            sentence = f"In the group '{group.title}' of the {award.title}, {_lower_first(status.message)}"
            counted: dict[str, list[str]] = {}  # modules of this group an included award already counts
            if status.credits < group.min_credits:
                inside = self._descendants(code)
                for m in (m for m in group.modules if m in picked and owner.get(m) in inside):
                    counted.setdefault(owner[m], []).append(self.name(m))
            for other, names in counted.items():
                verb, it = ("is", "it") if len(names) == 1 else ("are", "they")
                sentence += (
                    f" {_joined(names)} {verb} already counted for the {self.awards[other].title}, "
                    f"so {it} cannot count again here."
                )
            problems.append(sentence)
        for code in self.order[:-1]:
            award, total = self.awards[code], self.total(self.studied_by(code, picks))
            if total != award.credits:
                problems.append(
                    f"Your modules for the {award.title} add up to {plural(total, 'credit')}; "
                    f"it needs exactly {award.credits}."
                )
        return problems

    def _descendants(self, code: str) -> set[str]:
        found: set[str] = set()
        for child in self.children[code]:
            found |= {child} | self._descendants(child)
        return found

    def modules(self, picks: Picks, studied: set[str]) -> tuple[str, ...]:
        """Every studied module once: included awards first, compulsory before options, document order."""
        ordered: dict[str, None] = {}
        for code in self.order:
            for module in self.awards[code].compulsory:
                ordered.setdefault(module)
            for group in picks[code]:
                for module in group:
                    ordered.setdefault(module)
        for module in self.credits:  # anything an award included twice counted the second time
            if module in studied:
                ordered.setdefault(module)
        return tuple(m for m in ordered if m in studied)


def _frozen(lists: dict[str, list[list[str]]]) -> Picks:
    return {code: tuple(tuple(group) for group in groups) for code, groups in lists.items()}


def _within(credits: int, group: OptionGroupSpec) -> bool:
    return group.min_credits <= credits <= group.max_credits


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
