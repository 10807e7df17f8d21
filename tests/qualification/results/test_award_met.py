"""qualification.transcript.award_met: achieved modules against an award's rules, includes and APL cap."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualification.results.rules.award import award_closure, award_met, date_met, included_verdicts
from qualification.spec import AwardSpec, OptionGroupSpec, Spec, parse_spec
from tests.qualification.award_generator import brute_outcomes, small_awards, spec_of

DEMO_PATH = Path(__file__).resolve().parents[3] / "qualification" / "data" / "demo-spec.json"
PG_CERT = ("M06", "M07", "M08", "M09")
MA_OWN = ("M10", "M11", "M12", "M13", "M14")


@pytest.fixture(scope="module")
def demo() -> Spec:
    return parse_spec(json.loads(DEMO_PATH.read_text()))


def _award(spec: Spec, code: str) -> AwardSpec:
    return next(a for a in spec.awards if a.code == code)


def test_the_certificate_is_met_by_its_compulsory_modules_and_one_option(demo):
    verdict = award_met(_award(demo, "CERT"), demo, {"M01", "M02", "M03", "M05"})
    assert (verdict.ok, set(verdict.modules), verdict.apl_credits) == (True, {"M01", "M02", "M03", "M05"}, 0)
    assert verdict.explanation == "Met: M01, M02, M03 and M05 give exactly 60 credits."


def test_a_missing_compulsory_module_is_named(demo):
    verdict = award_met(_award(demo, "CERT"), demo, {"M01", "M03", "M04", "M05"})
    assert not verdict.ok
    assert (
        verdict.explanation
        == "M02 Planning and Organising CEIAG Provision is compulsory and not achieved yet."
    )


def test_too_few_credits_says_how_many(demo):
    verdict = award_met(_award(demo, "PGCERT"), demo, {"M06", "M07", "M08"})
    assert verdict.explanation == "The achieved modules give 45 credits; the award needs 60."


def test_an_option_group_short_of_its_minimum_is_explained(demo):
    # Credits enough in all, but the group's options are the certificate's, not the PG Certificate's.
    verdict = award_met(_award(demo, "PGCERT"), demo, {"M06", "M07", "M08", "M01"})
    assert verdict.explanation == (
        "The option group 'One option' needs at least 15 credits; the achieved modules in it give 0."
    )


def test_extra_modules_do_not_stop_an_award_being_met(demo):
    verdict = award_met(_award(demo, "PGCERT"), demo, {*PG_CERT, "M10", "M11", "M01"})
    assert verdict.ok
    assert sum(15 for _ in verdict.modules) == 60


def test_the_ma_needs_the_pg_certificate_met_in_full_and_each_module_once(demo):
    ma = _award(demo, "MA")
    assert award_met(ma, demo, {*PG_CERT, *MA_OWN}).ok
    # Only three of the four pool modules: the PG Certificate takes one, the MA's group needs three more.
    # M01 brings the total to 180, but it is no module of the MA.
    short = award_met(ma, demo, {"M06", "M07", "M08", "M09", "M10", "M11", "M13", "M14", "M01"})
    assert not short.ok
    assert short.explanation == (
        "The achieved modules cannot make up exactly 180 credits under the award's rules. The option group "
        "'Three options' cannot get exactly 45 credits from modules that the included awards have not "
        "already counted."
    )
    missing = award_met(ma, demo, {"M07", "M08", "M09", *MA_OWN})
    assert missing.explanation.startswith("M06 Strategic Leadership of CEIAG is compulsory")


def test_included_awards_are_judged_on_their_own(demo):
    ma = _award(demo, "MA")
    verdicts = included_verdicts(ma, demo, {*PG_CERT, "M13"})
    assert [(inner.code, verdict.ok) for inner, verdict in verdicts] == [("PGCERT", True)]
    assert [a.code for a in award_closure(ma, demo)] == ["MA", "PGCERT"]
    assert included_verdicts(_award(demo, "CERT"), demo, {"M01"}) == []


def test_apl_within_the_cap_counts(demo):
    verdict = award_met(_award(demo, "CERT"), demo, {"M01", "M02", "M03", "M04"}, apl={"M02", "M04"})
    assert (verdict.ok, verdict.apl_credits) == (True, 30)


def test_apl_over_the_cap_is_not_counted_and_the_verdict_says_so(demo):
    verdict = award_met(_award(demo, "CERT"), demo, {"M01", "M02", "M03", "M04"}, apl={"M01", "M02", "M04"})
    assert not verdict.ok
    assert verdict.explanation == (
        "The award allows at most 30 credits by prior learning (APL); the achieved modules would count 45."
    )


def test_apl_over_the_cap_is_fine_when_an_assessed_choice_meets_the_award(demo):
    # M04 and M05 both achieved: the assessed M05 can fill the option, leaving APL at 30.
    achieved = {"M01", "M02", "M03", "M04", "M05"}
    verdict = award_met(_award(demo, "CERT"), demo, achieved, apl={"M01", "M02", "M04"})
    assert (verdict.ok, verdict.apl_credits) == (True, 30)
    assert "M04" not in verdict.modules


def test_the_date_met_is_the_first_day_the_modules_meet_the_award(demo):
    cert = _award(demo, "CERT")
    dated = [
        ("M01", date(2026, 3, 1), False),
        ("M02", date(2026, 5, 1), True),
        ("M04", date(2026, 6, 1), False),
        ("M03", date(2026, 7, 1), False),
        ("M05", date(2026, 8, 1), False),
    ]
    assert date_met(cert, demo, dated) == date(2026, 7, 1)
    assert date_met(cert, demo, dated[:3]) is None


def test_an_include_cycle_or_unknown_module_is_not_met_not_a_crash():
    awards = {
        "A": AwardSpec("A", "Award A", 6, 15, includes=("B",)),
        "B": AwardSpec(
            "B", "Award B", 6, 15, options=(OptionGroupSpec("G", ("M1",), 15, 15),), includes=("A",)
        ),
    }
    spec = spec_of({"M1": 15}, awards)
    assert not award_met(awards["A"], spec, {"M1", "M99"}).ok


@settings(max_examples=300, deadline=None)
@given(small_awards(), st.data())
def test_award_met_agrees_with_brute_force(case, data):
    awards, credits = case
    codes = sorted(credits)
    achieved = set(data.draw(st.lists(st.sampled_from(codes), unique=True)))
    apl = set(data.draw(st.lists(st.sampled_from(codes), unique=True))) & achieved
    cap = data.draw(st.integers(0, 120))
    awards["T"] = replace(awards["T"], apl_max_credits=cap)
    top, spec = awards["T"], spec_of(credits, awards)
    valid = {
        u
        for u in brute_outcomes(top, awards, credits)
        if sum(credits[m] for m in u) == top.credits
        and u <= achieved
        and sum(credits[m] for m in u & apl) <= cap
    }
    verdict = award_met(top, spec, achieved, apl=apl)
    assert verdict.ok == bool(valid), verdict.explanation
    if verdict.ok:
        assert frozenset(verdict.modules) in valid
        assert verdict.apl_credits == sum(credits[m] for m in set(verdict.modules) & apl) <= cap
    else:
        assert verdict.explanation
        assert verdict.modules == ()
