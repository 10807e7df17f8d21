"""What changed between two versions of a qualification spec (pure: no Flask, no database)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Literal, TypeVar

from qualification.spec.model import (
    AwardSpec,
    CriterionSpec,
    ModuleSpec,
    OptionGroupSpec,
    OutcomeSpec,
    Spec,
)

Kind = Literal["added", "removed", "changed"]
KINDS: tuple[Kind, ...] = ("added", "removed", "changed")
T = TypeVar("T")

# Longer texts (module summaries) are shown as the differing stretch with a little context.
SHORT_TEXT = 100
CONTEXT = 30


@dataclass(frozen=True)
class Change:
    """One thing added, removed or changed; `details` are human sentences saying how."""

    kind: Kind
    what: str
    details: tuple[str, ...] = ()
    # The card it belongs under ("Module M01: Title"); left out of equality so tests can compare plainly.
    group: str = field(default="", compare=False)


@dataclass(frozen=True)
class Comparison:
    """Every change between two specs, in reading order, and a one-line summary."""

    changes: tuple[Change, ...]
    summary: str

    @property
    def groups(self) -> tuple[tuple[str, tuple[Change, ...]], ...]:
        """The changes under their cards: the qualification, each module, each award."""
        return tuple((name, tuple(items)) for name, items in groupby(self.changes, key=lambda c: c.group))


def compare_specs(old: Spec, new: Spec) -> Comparison:
    """Everything added, removed or changed going from `old` to `new`."""
    changes: list[Change] = []
    changes.extend(_qualification(old, new))
    for code, before, after in _pair(old.modules, new.modules, lambda m: m.code):
        changes.extend(_module_or_award("Module", code, before, after, _module))
    for code, before, after in _pair(old.awards, new.awards, lambda a: a.code):
        changes.extend(_module_or_award("Award", code, before, after, _award))
    return Comparison(tuple(changes), summarise(changes))


def summarise(changes: Sequence[Change]) -> str:
    """'3 changes: 1 added, 1 removed, 1 changed', or 'No differences'."""
    if not changes:
        return "No differences"
    counts = [(kind, sum(1 for c in changes if c.kind == kind)) for kind in KINDS]
    parts = ", ".join(f"{n} {kind}" for kind, n in counts if n)
    return f"{_plural(len(changes), 'change')}: {parts}"


# Matching --------------------------------------------------------------------------------------------


def _pair(
    old: Iterable[T], new: Iterable[T], key: Callable[[T], object]
) -> list[tuple[object, T | None, T | None]]:
    """Items matched by key: the new order first, then those only in the old one, in the old order."""
    before = {key(item): item for item in old}
    after = {key(item): item for item in new}
    pairs = [(k, before.get(k), item) for k, item in after.items()]
    pairs.extend((k, item, None) for k, item in before.items() if k not in after)
    return pairs


def _reordered(old: Iterable[object], new: Iterable[object]) -> bool:
    """Whether the items both sides share come in a different order (adding or removing is not reordering)."""
    old, new = list(old), list(new)
    shared = set(old) & set(new)
    return [k for k in old if k in shared] != [k for k in new if k in shared]


def _group_keys(groups: Sequence[OptionGroupSpec]) -> list[tuple[str, int]]:
    # Titles need not be unique within an award, so the second 'One option' is matched with the second.
    seen: dict[str, int] = {}
    keys = []
    for group in groups:
        keys.append((group.title, seen.get(group.title, 0)))
        seen[group.title] = seen.get(group.title, 0) + 1
    return keys


# Sentences -------------------------------------------------------------------------------------------


def _plural(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {nouns or noun + 's'}"


def _value(label: str, old: object, new: object) -> list[str]:
    return [] if old == new else [f"{label}: {old} → {new}"]


def _text(label: str, old: str | None, new: str | None) -> list[str]:
    """'label: "old" → "new"', trimmed to the stretch that differs when the texts are long."""
    if old == new:
        return []
    if old is None or new is None:
        return [f"{label}: {_quote(old)} → {_quote(new)}"]
    if max(len(old), len(new)) <= SHORT_TEXT:
        return [f'{label}: "{old}" → "{new}"']
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return [f"{label}: {_excerpt(old, start, end)} → {_excerpt(new, start, end)}"]


def _quote(text: str | None) -> str:
    return "none" if text is None else f'"{text}"'


def _excerpt(text: str, start: int, end: int) -> str:
    """The part of text between a shared prefix and suffix, with some context either side."""
    stop = len(text) - end
    lo = max(0, start - CONTEXT)
    hi = min(len(text), stop + CONTEXT)
    # Cut at spaces so the context holds whole words.
    if lo > 0 and (space := text.find(" ", lo, start)) >= 0:
        lo = space + 1
    if hi < len(text) and (space := text.rfind(" ", stop, hi)) > stop:
        hi = space
    head = "…" if lo > 0 else ""
    tail = "…" if hi < len(text) else ""
    return f'"{head}{text[lo:hi]}{tail}"'


def _codes(label: str, old: Sequence[str], new: Sequence[str]) -> list[str]:
    """'label: added X, Y; removed Z', or 'order of label changed' when only the order differs."""
    added = [c for c in new if c not in old]
    removed = [c for c in old if c not in new]
    parts = []
    if added:
        parts.append("added " + ", ".join(added))
    if removed:
        parts.append("removed " + ", ".join(removed))
    if parts:
        return [f"{label}: " + "; ".join(parts)]
    if list(old) != list(new):
        return [f"order of {label} changed"]
    return []


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


# The parts of a spec ---------------------------------------------------------------------------------


def _qualification(old: Spec, new: Spec) -> list[Change]:
    details = [
        *_value("code", old.code, new.code),
        *_text("title", old.title, new.title),
        *_text("provider", old.provider, new.provider),
    ]
    if _reordered((m.code for m in old.modules), (m.code for m in new.modules)):
        details.append("order of modules changed")
    if _reordered((a.code for a in old.awards), (a.code for a in new.awards)):
        details.append("order of awards changed")
    return [Change("changed", "Qualification", tuple(details), "Qualification")] if details else []


def _one_side(what: str, old: object, new: object, summary: str, group: str) -> list[Change]:
    """The one change for a part only one side has."""
    kind: Kind = "added" if old is None else "removed"
    return [Change(kind, what, (summary,), group)]


def _module_or_award(noun: str, code: object, old, new, changed) -> list[Change]:
    """A module or award under its own card: added or removed in one line, else what `changed` finds."""
    what = f"{noun} {code}"
    item = new or old
    group = f"{what}: {item.title}"
    if old is None or new is None:
        summary = f'"{item.title}", level {item.level}, {_plural(item.credits, "credit")}'
        return _one_side(what, old, new, summary, group)
    return changed(code, what, group, old, new)


def _module(code: object, what: str, group: str, old: ModuleSpec, new: ModuleSpec) -> list[Change]:
    details = [
        *_text("title", old.title, new.title),
        *_value("level", old.level, new.level),
        *_value("credits", old.credits, new.credits),
        *_text("summary", old.summary, new.summary),
        *_value("stands alone as CPD", _yes_no(old.cpd), _yes_no(new.cpd)),
    ]
    return _changed_with_parts(what, details, group, "outcomes", old.outcomes, new.outcomes, _outcome)


def _changed_with_parts(what, details: list[str], group: str, noun: str, old_parts, new_parts, part_changes):
    """A module's or outcome's own change (and whether its parts moved), then each part's changes."""
    if _reordered((p.ref for p in old_parts), (p.ref for p in new_parts)):
        details.append(f"order of {noun} changed")
    changes = [Change("changed", what, tuple(details), group)] if details else []
    for ref, before, after in _pair(old_parts, new_parts, lambda p: p.ref):
        changes.extend(part_changes(ref, before, after, group))
    return changes


def _outcome(ref: object, old: OutcomeSpec | None, new: OutcomeSpec | None, group: str) -> list[Change]:
    what = f"Outcome {ref}"
    if old is None or new is None:
        outcome = new or old
        summary = f'"{outcome.text}", {_plural(len(outcome.criteria), "criterion", "criteria")}'
        return _one_side(what, old, new, summary, group)
    details = _text("text", old.text, new.text)
    return _changed_with_parts(what, details, group, "criteria", old.criteria, new.criteria, _criterion)


def _criterion(ref: object, old: CriterionSpec | None, new: CriterionSpec | None, group: str) -> list[Change]:
    what = f"Criterion {ref}"
    if old is None or new is None:
        return _one_side(what, old, new, f'"{(new or old).text}"', group)
    # The order methods are listed in means nothing to a candidate, so only the set is compared.
    details = [
        *_text("text", old.text, new.text),
        *_codes("methods", sorted(old.methods), sorted(new.methods)),
    ]
    return [Change("changed", what, tuple(details), group)] if details else []


def _award(code: object, what: str, group: str, old: AwardSpec, new: AwardSpec) -> list[Change]:
    old_keys, new_keys = _group_keys(old.options), _group_keys(new.options)
    details = [
        *_text("title", old.title, new.title),
        *_value("level", old.level, new.level),
        *_value("credits", old.credits, new.credits),
        *_value("APL limit", f"{old.apl_max_credits} credits", f"{new.apl_max_credits} credits"),
        *_codes("compulsory modules", old.compulsory, new.compulsory),
        *_codes("included awards", old.includes, new.includes),
        *_codes("progression", old.progression, new.progression),
    ]
    if _reordered(old_keys, new_keys):
        details.append("order of option groups changed")
    changes = [Change("changed", what, tuple(details), group)] if details else []
    before = dict(zip(old_keys, old.options, strict=True))
    after = dict(zip(new_keys, new.options, strict=True))
    for key, _, _ in _pair(old_keys, new_keys, lambda k: k):
        changes.extend(_option_group(key, code, before.get(key), after.get(key), group))
    return changes


def _option_group(
    key: object, award: object, old: OptionGroupSpec | None, new: OptionGroupSpec | None, group: str
) -> list[Change]:
    title, nth = key
    what = f"Option group '{title}'{f' #{nth + 1}' if nth else ''} of {award}"
    if old is None or new is None:
        options = new or old
        return _one_side(what, old, new, f"{_credit_range(options)} from {', '.join(options.modules)}", group)
    details = [
        *_codes("modules", old.modules, new.modules),
        *_value("minimum credits", old.min_credits, new.min_credits),
        *_value("maximum credits", old.max_credits, new.max_credits),
    ]
    return [Change("changed", what, tuple(details), group)] if details else []


def _credit_range(group: OptionGroupSpec) -> str:
    if group.min_credits == group.max_credits:
        return _plural(group.min_credits, "credit")
    return f"{group.min_credits} to {group.max_credits} credits"
