"""award_satisfiability, called directly as the web editor will: verdicts, reasons, brute-force agreement."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings

from qualification.spec import AwardSpec, OptionGroupSpec, award_satisfiability, satisfy
from tests.qualification.award_generator import brute_outcomes, small_awards

CREDITS = {f"M{n:02d}": 15 for n in range(1, 14)} | {"M14": 60}
POOL = ("M09", "M10", "M11", "M12")
DEMO = {
    "CERT": AwardSpec(
        "CERT",
        "Certificate",
        6,
        60,
        30,
        ("M01", "M02", "M03"),
        (OptionGroupSpec("One option", ("M04", "M05"), 15, 15),),
    ),
    "PGCERT": AwardSpec(
        "PGCERT", "PG Certificate", 7, 60, 30, ("M06", "M07", "M08"), (OptionGroupSpec("One", POOL, 15, 15),)
    ),
    "MA": AwardSpec(
        "MA",
        "MA",
        7,
        180,
        90,
        ("M13", "M14"),
        (OptionGroupSpec("Three", POOL, 45, 45),),
        includes=("PGCERT",),
    ),
}


def _demo_awards() -> dict[str, AwardSpec]:
    return dict(DEMO)


def test_the_demo_awards_are_satisfiable_with_an_example():
    awards = _demo_awards()
    results = {code: award_satisfiability(award, CREDITS, awards) for code, award in awards.items()}
    assert all(result.ok for result in results.values())
    assert results["CERT"].example == ("M01", "M02", "M03", "M04")
    assert results["CERT"].explanation == "For example, M01, M02, M03 and M04 give exactly 60 credits."
    assert results["PGCERT"].example == ("M06", "M07", "M08", "M09")
    # The MA's three options must be three other than the one the PG Certificate used.
    assert results["MA"].example == ("M06", "M07", "M08", "M09", "M13", "M14", "M10", "M11", "M12")


def _award(credits: int, compulsory: tuple[str, ...], *groups: OptionGroupSpec, includes=()) -> AwardSpec:
    return AwardSpec("X", "X", 6, credits, 0, compulsory, groups, includes)


def _group(title: str, modules: str, low: int, high: int) -> OptionGroupSpec:
    return OptionGroupSpec(title, tuple(modules.split()), low, high)


FIXED = "so the total is always"
UNSATISFIABLE = [
    (
        _award(90, ("M01", "M02", "M03", "M04"), _group("A", "M05 M06", 15, 15)),
        f"Compulsory modules give 60 credits and the option group always adds 15, {FIXED} 75, not 90.",
    ),
    (
        _award(90, ("M01", "M02", "M03"), _group("A", "M04 M05", 0, 15), _group("B", "M06 M07", 15, 15)),
        "Compulsory modules give 45 credits and the option groups can add 15 to 30, "
        "so the total can be 60 to 75, never exactly 90.",
    ),
    (
        _award(30, (), _group("A", "M13 M14", 0, 75)),
        "There are no compulsory modules and the option group can add 0 to 75, "
        "so the total can be 0, 15, 60 or 75, never exactly 30.",
    ),
    (
        _award(60, ("M01",), _group("A", "M04 M05", 15, 15), _group("B", "M05 M06", 15, 15)),
        "Module M05 appears in both option group 'A' and option group 'B'.",
    ),
    (
        _award(60, ("M01", "M04"), _group("A", "M04 M05", 15, 15)),
        "Module M04 appears both as compulsory and in option group 'A'.",
    ),
    (_award(60, ("M01", "M01")), "Module M01 is listed twice as compulsory."),
    (
        _award(60, ("M01",), _group("A", "M04 M05", 30, 15)),
        "The option group 'A' asks for at least 30 credits but at most 15.",
    ),
    (
        _award(60, ("M01",), _group("A", "M04 M05", 45, 60)),
        "The option group 'A' needs at least 45 credits but its modules add up to only 30.",
    ),
    (
        _award(60, ("M01",), _group("A", "M04 M14", 20, 40)),
        "No choice of modules in the option group 'A' gives 20 to 40 credits: "
        "its modules are worth 15 and 60 credits.",
    ),
    (
        _award(195, ("M13", "M14"), _group("Four", "M09 M10 M11 M12", 60, 60), includes=("PGCERT",)),
        "The option group 'Four' cannot get exactly 60 credits "
        "from modules that the included awards have not already counted.",
    ),
    (_award(60, ("M99",)), "Module M99 is not in this qualification."),
    (_award(60, (), includes=("NOPE",)), "Award NOPE is not in this qualification."),
    (
        _award(240, ("M01",), includes=("BAD",)),
        "The included award BAD cannot be satisfied: "
        f"Compulsory modules give 15 credits and there are no option groups, {FIXED} 15, not 20.",
    ),
]


@pytest.mark.parametrize(("award", "explanation"), UNSATISFIABLE)
def test_unsatisfiable_awards_say_why(award, explanation):
    awards = {**_demo_awards(), "BAD": AwardSpec("BAD", "Bad", 6, 20, 0, ("M02",))}
    result = award_satisfiability(award, CREDITS, awards)
    assert (result.ok, result.explanation, result.example) == (False, explanation, ())


def test_an_include_cycle_is_reported_not_looped_on():
    awards = {
        "A": AwardSpec("A", "A", 6, 30, includes=("B",)),
        "B": AwardSpec("B", "B", 6, 30, includes=("A",)),
    }
    result = award_satisfiability(awards["A"], CREDITS, awards)
    assert (result.ok, result.explanation) == (
        False,
        "The included award B cannot be satisfied: Award A includes itself: A -> B -> A.",
    )


def test_large_groups_are_quick():
    credits = {f"N{n:02d}": 5 + n for n in range(40)} | {f"P{n:02d}": 15 for n in range(30)}
    wide = _award(537, (), _group("Any", " ".join(c for c in credits if c[0] == "N"), 0, 540))
    inner = AwardSpec(
        "IN", "In", 7, 60, options=(_group("Four", " ".join(f"P{n:02d}" for n in range(30)), 60, 60),)
    )
    outer = _award(
        210, (), _group("Ten", " ".join(f"P{n:02d}" for n in range(30)), 150, 150), includes=("IN",)
    )
    started = time.perf_counter()
    wide_result = award_satisfiability(wide, credits, {})
    outer_result = award_satisfiability(outer, credits, {"IN": inner})
    assert time.perf_counter() - started < 2
    assert wide_result.ok
    assert sum(credits[c] for c in wide_result.example) == 537
    assert outer_result.ok
    assert len(set(outer_result.example)) == 14


def test_a_pathological_award_gives_up_quickly_with_a_reason(monkeypatch):
    # Many differently sized modules shared with an included award defeat the grouping of equal modules.
    credits = {f"P{n:02d}": 5 + n for n in range(24)}
    pool = " ".join(credits)
    inner = AwardSpec("IN", "In", 7, 200, options=(_group("Some", pool, 0, 540),))
    outer = _award(539, (), _group("More", pool, 0, 540), includes=("IN",))
    # "Quickly" is a bound on work, not on a clock (a loaded CI machine would make a timed test flaky):
    # the search gives up once past its budget of states (each part it was trying stops at its next step).
    states_per_search: dict[object, int] = {}  # keyed by the search itself, so no id is reused
    real_tick = satisfy._Search._tick

    def counting_tick(search):
        states_per_search[search] = states_per_search.get(search, 0) + 1
        real_tick(search)

    monkeypatch.setattr(satisfy._Search, "_tick", counting_tick)
    result = award_satisfiability(outer, credits, {"IN": inner})
    assert satisfy.STATE_BUDGET < max(states_per_search.values()) < satisfy.STATE_BUDGET * 11 // 10
    assert sum(states_per_search.values()) < satisfy.STATE_BUDGET * 2
    assert not result.ok
    assert result.explanation.startswith("Waymark cannot check this award")


def test_a_very_deep_chain_of_included_awards_is_refused():
    chain = {f"A{n}": AwardSpec(f"A{n}", "A", 6, 15, 0, ("M01",), includes=(f"A{n + 1}",)) for n in range(26)}
    chain["A26"] = AwardSpec("A26", "A", 6, 15, 0, ("M01",))
    assert award_satisfiability(chain["A1"], CREDITS, chain).ok
    result = award_satisfiability(chain["A0"], CREDITS, chain)
    assert (
        result.explanation
        == "Award A0 includes 26 awards in all, directly or through others; Waymark can check at most 25."
    )


@settings(max_examples=300, deadline=None)
@given(small_awards())
def test_satisfiability_agrees_with_brute_force(case):
    awards, credits = case
    top = awards["T"]
    valid = {u for u in brute_outcomes(top, awards, credits) if sum(credits[m] for m in u) == top.credits}
    result = award_satisfiability(top, credits, awards)
    assert result.ok == bool(valid), result.explanation
    if result.ok:
        assert len(set(result.example)) == len(result.example)
        assert frozenset(result.example) in valid
    else:
        assert result.example == ()
        assert result.explanation
