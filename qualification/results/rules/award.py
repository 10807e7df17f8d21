"""Whether the modules a candidate has achieved meet an award's rules (pure: no database).

The question is satisfiability's, asked of a smaller award: keep, in the award and every award it includes,
only the modules the candidate has achieved (a compulsory module not achieved means "not yet"), then ask
`award_satisfiability` whether some choice among them reaches exactly the award's credits with the included
awards met in full. Modules achieved by prior learning (APL) count only up to the award's `apl_max_credits`:
when the candidate has more, each largest set of APL modules within the cap is tried in turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from qualification.spec.model import AwardSpec, Spec
from qualification.spec.satisfy import award_satisfiability

# More APL modules than this (each worth credits under the cap) would make trying every set slow; real caps
# allow two to six modules.
MAX_APL_SETS = 4096


@dataclass(frozen=True)
class AwardVerdict:
    """Whether the award is met; `modules` are the achieved modules that meet it, when it is."""

    ok: bool
    explanation: str
    modules: tuple[str, ...] = ()
    apl_credits: int = 0


def award_closure(award: AwardSpec, spec: Spec) -> list[AwardSpec]:
    """The award and every award it includes, directly or through others, in document order."""
    by_code = {a.code: a for a in spec.awards}
    found: list[AwardSpec] = []
    todo = [award]
    while todo:
        current = todo.pop(0)
        if current.code in {a.code for a in found}:
            continue
        found.append(current)
        todo += [by_code[c] for c in current.includes if c in by_code]
    return found


def award_met(
    award: AwardSpec, spec: Spec, achieved: Iterable[str], *, apl: Iterable[str] = ()
) -> AwardVerdict:
    """Do the achieved modules (`apl`: those by prior learning) meet the award, included awards in full?"""
    credits = {m.code: m.credits for m in spec.modules}
    titles = {m.code: m.title for m in spec.modules}
    have = frozenset(code for code in achieved if code in credits)
    by_apl = frozenset(code for code in apl if code in have)
    closure = award_closure(award, spec)
    short = _short_of_compulsory_or_credits(award, closure, have, credits, titles)
    if short is not None:
        return short
    apl_total = sum(credits[c] for c in by_apl)
    if apl_total <= award.apl_max_credits:
        return _rules_met(award, spec, closure, have, by_apl, credits)
    return _within_apl_cap(award, spec, closure, have, by_apl, credits)


def _short_of_compulsory_or_credits(award, closure, have, credits, titles) -> AwardVerdict | None:
    """Not met because a compulsory module (of the award or one it includes) or credits are missing."""
    missing = list(dict.fromkeys(c for a in closure for c in a.compulsory if c not in have))
    if missing:
        names = _joined([f"{c} {titles[c]}" for c in missing])
        verb = "is" if len(missing) == 1 else "are"
        return AwardVerdict(False, f"{names} {verb} compulsory and not achieved yet.")
    total = sum(credits[c] for c in have)
    if total < award.credits:
        return AwardVerdict(
            False, f"The achieved modules give {total} credits; the award needs {award.credits}."
        )
    return None


def _within_apl_cap(award, spec, closure, have, by_apl, credits) -> AwardVerdict:
    """More credits by prior learning than the cap: met only if some set of APL modules within it will do."""
    cap = award.apl_max_credits
    sets = _largest_within(sorted(by_apl), credits, cap)
    if sets is None:
        return AwardVerdict(
            False,
            f"Too many modules were achieved by prior learning to check against the award's cap of {cap} "
            "credits; please ask the course leader.",
        )
    for kept in sets:
        verdict = _rules_met(award, spec, closure, (have - by_apl) | kept, kept, credits)
        if verdict.ok:
            return verdict
    unrestricted = _rules_met(award, spec, closure, have, by_apl, credits)
    if unrestricted.ok:
        counted = sum(credits[c] for c in unrestricted.modules if c in by_apl)
        return AwardVerdict(
            False,
            f"The award allows at most {cap} credits by prior learning (APL); the achieved modules would "
            f"count {counted}.",
        )
    return unrestricted


def included_verdicts(
    award: AwardSpec, spec: Spec, achieved: Iterable[str], *, apl: Iterable[str] = ()
) -> list[tuple[AwardSpec, AwardVerdict]]:
    """Each award the award includes (directly or through others), judged on its own rules and cap."""
    have, by_apl = frozenset(achieved), frozenset(apl)
    return [(inner, award_met(inner, spec, have, apl=by_apl)) for inner in award_closure(award, spec)[1:]]


def date_met(award: AwardSpec, spec: Spec, dated: Sequence[tuple[str, date, bool]]) -> date | None:
    """The first day the award was met: (module code, achieved on, by APL) in any order; None if not met."""
    days = sorted({day for _, day, _ in dated})
    for day in days:
        upto = [(code, by_apl) for code, on, by_apl in dated if on <= day]
        codes = {code for code, _ in upto}
        # A module achieved both ways counts as assessed (no cap).
        assessed = {code for code, by_apl in upto if not by_apl}
        if award_met(award, spec, codes, apl=codes - assessed).ok:
            return day
    return None


def _rules_met(
    award: AwardSpec,
    spec: Spec,
    closure: list[AwardSpec],
    have: frozenset[str],
    by_apl: frozenset[str],
    credits: Mapping[str, int],
) -> AwardVerdict:
    # Compulsory modules stay in the restricted awards, so one left out (over the APL cap) must fail here.
    if any(c not in have for current in closure for c in current.compulsory):
        return AwardVerdict(False, "A compulsory module is not counted.")
    restricted: dict[str, AwardSpec] = {}
    for current in closure:
        groups = []
        for group in current.options:
            kept = tuple(c for c in group.modules if c in have)
            worth = sum(credits[c] for c in kept)
            if worth < group.min_credits:
                where = "" if current.code == award.code else f" of the included award {current.title}"
                return AwardVerdict(
                    False,
                    f"The option group '{group.title}'{where} needs at least {group.min_credits} credits; "
                    f"the achieved modules in it give {worth}.",
                )
            groups.append(replace(group, modules=kept))
        restricted[current.code] = replace(current, options=tuple(groups))
    verdict = award_satisfiability(restricted[award.code], credits, restricted)
    if not verdict.ok:
        return AwardVerdict(
            False,
            f"The achieved modules cannot make up exactly {award.credits} credits under the award's rules. "
            f"{verdict.explanation}",
        )
    used = tuple(verdict.example)
    return AwardVerdict(
        True,
        f"Met: {_joined(list(used))} give exactly {award.credits} credits.",
        used,
        sum(credits[c] for c in used if c in by_apl),
    )


def _largest_within(codes: list[str], credits: Mapping[str, int], cap: int) -> list[frozenset[str]] | None:
    """Every largest set of the codes whose credits stay within the cap (None when there are too many)."""
    found: list[frozenset[str]] = []

    def grow(index: int, chosen: tuple[str, ...], total: int) -> bool:
        if len(found) > MAX_APL_SETS:
            return False
        if index == len(codes):
            # Largest: no code left out would still fit.
            if all(c in chosen or total + credits[c] > cap for c in codes):
                found.append(frozenset(chosen))
            return True
        code = codes[index]
        if total + credits[code] <= cap and not grow(index + 1, (*chosen, code), total + credits[code]):
            return False
        return grow(index + 1, chosen, total)

    return found if grow(0, (), 0) else None


def _joined(words: list[str]) -> str:
    if len(words) <= 1:
        return words[0] if words else "no modules"
    return f"{', '.join(words[:-1])} and {words[-1]}"
