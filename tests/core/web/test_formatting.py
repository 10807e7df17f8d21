"""Words shown to people: "a" or "an" as the phrase is said."""

from __future__ import annotations

import pytest

from core.web.formatting import with_article


@pytest.mark.parametrize(
    ("phrase", "shown"),
    [
        ("M01 decision", "an M01 decision"),
        ("D02 decision", "a D02 decision"),
        ("IQA", "an IQA"),
        ("APL claim", "an APL claim"),
        ("module", "a module"),
        ("observation", "an observation"),
        ("unit", "a unit"),
        ("hour", "an hour"),
        ("S", "an S"),
        ("B", "a B"),
    ],
)
def test_the_article_follows_the_sound_of_the_phrase(phrase, shown):
    assert with_article(phrase) == shown


def test_the_article_can_start_a_sentence():
    assert with_article("M01 decision is waiting", capital=True) == "An M01 decision is waiting"
