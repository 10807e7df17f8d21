"""Small random awards and a brute-force answer, shared by the satisfiability, pathway and award-met tests."""

from __future__ import annotations

from itertools import combinations

from hypothesis import strategies as st

from qualification.spec import AwardSpec, ModuleSpec, OptionGroupSpec, Spec


def brute_outcomes(award: AwardSpec, awards: dict[str, AwardSpec], credits: dict[str, int]) -> set[frozenset]:
    """Every set of modules that meets the award's rules, trying every subset of every group."""
    bases = [frozenset()]
    for code in award.includes:
        inner = awards[code]
        met = [
            u for u in brute_outcomes(inner, awards, credits) if sum(credits[m] for m in u) == inner.credits
        ]
        bases = [base | u for base in bases for u in met]
    outcomes = set()
    for base in bases:
        chosen = [base | set(award.compulsory)]
        for group in award.options:
            free = [m for m in group.modules if m not in base]
            picks = [frozenset(c) for n in range(len(free) + 1) for c in combinations(free, n)]
            picks = [p for p in picks if group.min_credits <= sum(credits[m] for m in p) <= group.max_credits]
            chosen = [c | p for c in chosen for p in picks]
        outcomes.update(frozenset(c) for c in chosen)
    return outcomes


def spec_of(credits: dict[str, int], awards: dict[str, AwardSpec]) -> Spec:
    """A spec holding the modules (level 6, no outcomes) and the awards."""
    modules = tuple(
        ModuleSpec(code, f"Module {code}", 6, value, "", False, ()) for code, value in credits.items()
    )
    return Spec("T", "Test", None, modules, tuple(awards.values()))


@st.composite
def small_awards(draw):
    """A top award T that may include A and B, where A may include B, sharing modules at random."""
    codes = [f"M{n}" for n in range(draw(st.integers(2, 7)))]
    credits = {code: draw(st.integers(5, 60)) for code in codes}
    awards: dict[str, AwardSpec] = {}
    for code, may_include in (("B", ()), ("A", ("B",)), ("T", ("A", "B"))):
        includes = tuple(c for c in may_include if draw(st.booleans()))
        place = {m: draw(st.sampled_from(["-", "c", "g0", "g1"])) for m in codes}
        groups = []
        for name in ("g0", "g1"):
            members = tuple(m for m in codes if place[m] == name)
            if members:
                # Bounds around some subset's credits keep each group feasible on its own.
                picked = draw(st.lists(st.sampled_from(members), unique=True))
                reachable = sum(credits[m] for m in picked)
                low = draw(st.integers(max(0, reachable - 20), reachable))
                groups.append(
                    OptionGroupSpec(name, members, low, draw(st.integers(reachable, reachable + 20)))
                )
        compulsory = tuple(m for m in codes if place[m] == "c")
        award = AwardSpec(code, f"Award {code}", 6, 1, 0, compulsory, tuple(groups), includes)
        totals = sorted({sum(credits[m] for m in u) for u in brute_outcomes(award, awards, credits)})
        # Mostly aim at a reachable total, so both verdicts are common.
        if totals and draw(st.sampled_from([True, True, True, False])):
            total = draw(st.sampled_from(totals))
        else:
            total = draw(st.integers(1, 300))
        awards[code] = AwardSpec(code, f"Award {code}", 6, total, 0, compulsory, tuple(groups), includes)
    return awards, credits
