"""How a certificate reads and is checked (pure rules): prior learning always named, names compared as
people write them, the frozen transcript's lines and totals."""

from __future__ import annotations

from datetime import date

import pytest

from qualification.certificates.rules import (
    APL_PRINTED,
    frozen_transcript,
    how_printed,
    names_match,
)


@pytest.mark.parametrize(
    ("how", "printed"),
    [
        ("apl", APL_PRINTED),
        ("Prior learning (APL)", APL_PRINTED),
        ("APL", APL_PRINTED),
        ("assessment", "Assessed"),
        ("Assessed", "Assessed"),
        ("", "Assessed"),
        ("Workplace observation", "Workplace observation"),
    ],
)
def test_how_a_module_was_met_is_printed_with_prior_learning_named(how, printed):
    assert how_printed(how) == printed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Jo Patel", True),
        ("  jo   PATEL ", True),
        ("JO\tPATEL", True),
        ("Ｊｏ Ｐａｔｅｌ", True),  # noqa: RUF001 - full-width letters, as some keyboards type them
        ("Jo Patel-Smith", False),
        ("Jo", False),
        ("", False),
        ("   ", False),
        ("J" * 500, False),
    ],
)
def test_a_typed_name_matches_whatever_its_case_and_spacing(typed, expected):
    assert names_match(typed, "Jo Patel") is expected


def test_names_with_letters_that_fold_differently_still_match():
    assert names_match("ANNA STRASSE", "Anna Straße")
    assert not names_match("Anna Strase", "Anna Straße")


def test_the_frozen_transcript_keeps_the_boards_order_and_totals():
    snapshot = {
        "modules": [
            {
                "code": "M02",
                "title": "Planning",
                "level": 6,
                "credits": 15,
                "how": "Prior learning (APL)",
                "achieved_on": "2026-10-01",
                "apl_criteria": [],
            },
            {
                "code": "M01",
                "title": "Communicating",
                "level": 6,
                "credits": 15,
                "how": "Assessed",
                "achieved_on": "2026-11-02",
                "apl_criteria": ["M01.1.1"],
            },
            {
                "code": "M05",
                "title": "Odd",
                "credits": None,
                "how": "assessment",
                "achieved_on": "not a date",
            },
        ],
    }
    frozen = frozen_transcript(snapshot)
    assert [line.code for line in frozen.lines] == ["M02", "M01", "M05"]
    assert frozen.lines[0].how == APL_PRINTED
    assert frozen.lines[1].achieved_on == date(2026, 11, 2)
    assert frozen.lines[1].apl_criteria == ("M01.1.1",)
    assert (frozen.lines[2].credits, frozen.lines[2].level, frozen.lines[2].achieved_on) == (0, None, None)
    assert (frozen.credits, frozen.apl_credits) == (30, 15)
    # The board's own figure of credits by prior learning wins when it recorded one.
    assert frozen_transcript({**snapshot, "apl_credits": 0}).apl_credits == 0
    assert frozen_transcript({}).lines == []
