"""Counted nouns (`core/web/words.py`): "1 award", "2 awards", never "award(s)"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.web.words import plural, plural_of


@pytest.mark.parametrize(
    ("count", "noun", "said"),
    [
        (1, "award", "1 award"),
        (0, "award", "0 awards"),
        (2, "award", "2 awards"),
        (1, "activity", "1 activity"),
        (3, "activity", "3 activities"),
        (2, "day", "2 days"),
        (2, "criterion", "2 criteria"),
        (2, "match", "2 matches"),
        (2, "APL claim", "2 APL claims"),
        (2, "working day", "2 working days"),
    ],
)
def test_a_count_takes_the_right_form_of_its_noun(count, noun, said):
    assert plural(count, noun) == said


def test_an_odd_plural_can_be_given():
    assert plural(1, "candidate was", "candidates were") == "1 candidate was"
    assert plural(4, "candidate was", "candidates were") == "4 candidates were"
    assert plural_of("person") == "people"


def test_templates_have_the_filter(app):
    with app.app_context():
        rendered = app.jinja_env.from_string('{{ 1 | plural("award") }}, {{ n | plural("award") }}').render(
            n=3
        )
    assert rendered == "1 award, 3 awards"


def test_no_template_writes_a_plural_in_brackets():
    """No "candidate(s)" or "time(s)" in what people read (Jinja code such as places_left(s) aside)."""
    root = Path(__file__).resolve().parents[3] / "templates"
    found = []
    for path in root.rglob("*.html"):
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", path.read_text(), flags=re.DOTALL)
        found += [f"{path.relative_to(root)}: {m.group(0)}" for m in re.finditer(r"\w+\(s\)", text)]
    assert found == []
