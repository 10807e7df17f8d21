"""qualification.pathway: a candidate's options checked against an award, agreeing with satisfiability."""

from __future__ import annotations

import json
import re
import time
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given, settings

from qualification.pathway.rules import check_pathway, option_choices
from qualification.spec import AwardSpec, OptionGroupSpec, Spec, award_satisfiability, parse_spec
from tests.qualification.award_generator import brute_outcomes, small_awards, spec_of

DEMO_PATH = Path(__file__).resolve().parents[3] / "qualification" / "data" / "demo-spec.json"
SENTENCE = re.compile(r"^[A-Z][^\n]*[.]$")
PG = "PG Certificate in Leading CEIAG"
MA = "MA Careers Education and Guidance Leadership"


@pytest.fixture(scope="module")
def demo() -> Spec:
    return parse_spec(json.loads(DEMO_PATH.read_text()))


def _check(spec: Spec, code: str, *chosen: str):
    award = next(a for a in spec.awards if a.code == code)
    result = check_pathway(award, spec, chosen)
    assert all(SENTENCE.match(problem) for problem in result.problems), result.problems
    assert all(SENTENCE.match(group.message) for group in result.groups)
    assert result.ok == (not result.problems)
    return result


def test_the_certificate_with_one_option_meets_the_rules(demo):
    result = _check(demo, "CERT", "M04")
    assert (result.ok, result.total_credits, result.required_credits) == (True, 60, 60)
    assert result.modules == ("M01", "M02", "M03", "M04")
    assert result.summary == "Your choice meets the rules: 60 credits."
    (group,) = result.groups
    assert group.title == "Professional Certificate in Careers Coordination: One option"
    assert (group.chosen, group.credits, group.ok, group.message) == (("M04",), 15, True, "Done: 15 credits.")


def test_choosing_nothing_says_what_to_choose(demo):
    result = _check(demo, "CERT")
    assert not result.ok
    assert result.groups[0].message == "Choose 15 more credits from: M04, M05."
    assert result.problems == (
        "In the group 'One option' of the Professional Certificate in Careers Coordination, "
        "choose 15 more credits from: M04, M05.",
        "Your modules add up to 45 credits; the award needs exactly 60.",
    )
    assert result.summary == "2 things to sort out before your choice is complete."


def test_too_many_options_says_which_to_remove(demo):
    result = _check(demo, "CERT", "M04", "M05")
    assert not result.ok
    assert result.groups[0].message == (
        "You have chosen 30 credits; this group allows at most 15. Remove one of M04, M05."
    )
    assert "Your modules add up to 75 credits; the award needs exactly 60." in result.problems


def test_a_module_of_another_award_is_not_an_option(demo):
    result = _check(demo, "CERT", "M04", "M09")
    assert result.problems == (
        "M09 Integrating Careers Across the Curriculum is not an option of this award.",
    )
    assert result.modules == ("M01", "M02", "M03", "M04")
    assert result.summary == "1 thing to sort out before your choice is complete."


def test_a_compulsory_module_need_not_be_chosen(demo):
    result = _check(demo, "CERT", "M04", "M01")
    assert result.problems == (
        "M01 Communicating and Working with Others in CEIAG is compulsory for this award anyway, "
        "so you do not need to choose it.",
    )
    assert _check(demo, "MA", "M06", "M09", "M10", "M11", "M12").problems == (
        f"M06 Strategic Leadership of CEIAG is compulsory for the {PG} anyway, "
        "so you do not need to choose it.",
    )


def test_an_unknown_code_is_named(demo):
    assert _check(demo, "CERT", "M04", "M99").problems == ("M99 is not a module of this qualification.",)


def test_the_pg_certificate_with_one_option(demo):
    result = _check(demo, "PGCERT", "M09")
    assert (result.ok, result.total_credits, result.modules) == (True, 60, ("M06", "M07", "M08", "M09"))


def test_the_ma_counts_the_pg_certificate_first_and_each_module_once(demo):
    result = _check(demo, "MA", "M09", "M10", "M11", "M12")
    assert (result.ok, result.total_credits, result.required_credits) == (True, 180, 180)
    assert result.modules == ("M06", "M07", "M08", "M09", "M13", "M14", "M10", "M11", "M12")
    assert [(g.title, g.chosen, g.ok) for g in result.groups] == [
        (f"{PG}: One option", ("M09",), True),
        (f"{MA}: Three options", ("M10", "M11", "M12"), True),
    ]
    assert result.summary == "Your choice meets the rules: 180 credits."


def test_the_ma_with_a_module_too_few_explains_why(demo):
    result = _check(demo, "MA", "M09", "M10", "M11")
    assert not result.ok
    assert result.total_credits == 165
    pg, ma = result.groups
    assert (pg.chosen, pg.ok) == (("M09",), True)
    assert (ma.chosen, ma.credits, ma.ok) == (("M10", "M11"), 30, False)
    assert ma.message == "Choose 15 more credits from: M12."
    assert result.problems == (
        f"In the group 'Three options' of the {MA}, choose 15 more credits from: M12. "
        f"M09 Integrating Careers Across the Curriculum is already counted for the {PG}, "
        "so it cannot count again here.",
        "Your modules add up to 165 credits; the award needs exactly 180.",
    )


def test_a_module_chosen_twice_counts_once(demo):
    result = _check(demo, "MA", "M09", "M09", "M10", "M11", "M12", "M10")
    assert result.ok
    assert result.total_credits == 180
    assert sorted(result.modules) == sorted(set(result.modules))


def test_option_choices_include_the_included_awards_groups(demo):
    ma = next(a for a in demo.awards if a.code == "MA")
    pool = ["M09", "M10", "M11", "M12"]
    assert option_choices(ma, demo) == [(f"{PG}: One option", pool), (f"{MA}: Three options", pool)]


def test_sibling_awards_may_count_the_same_module_as_satisfiability_does():
    # T includes A and B, which both offer M1: satisfiability lets the one M1 meet both, so must the check.
    one = (OptionGroupSpec("Pick", ("M1", "M2"), 15, 15),)
    awards = {
        "A": AwardSpec("A", "Award A", 6, 15, options=one),
        "B": AwardSpec("B", "Award B", 6, 15, options=one),
        "T": AwardSpec("T", "Award T", 6, 15, includes=("A", "B")),
    }
    spec = spec_of({"M1": 15, "M2": 15}, awards)
    assert award_satisfiability(awards["T"], {"M1": 15, "M2": 15}, awards).ok
    result = check_pathway(awards["T"], spec, ["M1"])
    assert (result.ok, result.modules) == (True, ("M1",))
    assert not check_pathway(awards["T"], spec, ["M1", "M2"]).ok


def test_a_large_shared_pool_is_checked_quickly():
    credits = {f"P{n:02d}": 15 for n in range(30)}
    inner = AwardSpec("IN", "Inner", 7, 60, options=(OptionGroupSpec("Four", tuple(credits), 60, 60),))
    outer = AwardSpec(
        "OUT", "Outer", 7, 210, options=(OptionGroupSpec("Ten", tuple(credits), 150, 150),), includes=("IN",)
    )
    spec = spec_of(credits, {"IN": inner, "OUT": outer})
    started = time.perf_counter()
    results = [check_pathway(outer, spec, list(credits)[:n]) for n in (13, 14, 30)]
    assert time.perf_counter() - started < 1
    assert [r.ok for r in results] == [False, True, False]
    assert "Your modules add up to 195 credits; the award needs exactly 210." in results[0].problems
    counted = "P00 Module P00, P01 Module P01, P02 Module P02 and P03 Module P03 are already counted"
    assert f"{counted} for the Inner, so they cannot count again here." in results[0].problems[0]
    assert all(not p.startswith("Waymark could not") for p in results[2].problems)


def _compulsory(award: AwardSpec, awards: dict[str, AwardSpec]) -> set[str]:
    return set(award.compulsory).union(*(_compulsory(awards[code], awards) for code in award.includes))


@settings(max_examples=150, deadline=None)
@given(small_awards())
def test_some_choice_is_accepted_exactly_when_the_award_is_satisfiable(case):
    awards, credits = case
    top, spec = awards["T"], spec_of(credits, awards)
    compulsory = _compulsory(top, awards)
    valid = {u for u in brute_outcomes(top, awards, credits) if sum(credits[m] for m in u) == top.credits}
    options = sorted({m for _, codes in option_choices(top, spec) for m in codes})
    accepted = False
    for n in range(len(options) + 1):
        for choice in combinations(options, n):
            result = check_pathway(top, spec, choice)
            assert result.ok == (frozenset(result.modules) in valid and set(choice) <= set(result.modules))
            assert result.ok or (result.problems and all(SENTENCE.match(p) for p in result.problems))
            accepted |= result.ok
    satisfiability = award_satisfiability(top, credits, awards)
    assert accepted == satisfiability.ok == bool(valid)
    for outcome in valid:  # every valid set of modules is reachable by choosing its optional ones
        assert check_pathway(top, spec, sorted(outcome - compulsory)).ok
    if satisfiability.ok:
        example = [m for m in satisfiability.example if m not in compulsory]
        result = check_pathway(top, spec, example)
        assert result.ok, result.problems
        assert set(result.modules) == set(satisfiability.example)
        assert result.total_credits == top.credits
