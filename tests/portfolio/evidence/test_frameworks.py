"""Tag frameworks are data: the six Principles and the eight Gatsby Benchmarks, and what a bad file gets."""

from __future__ import annotations

import pytest

from portfolio.evidence.rules import (
    frameworks,
    parse_frameworks,
    parse_tag,
    short_label,
    tag_choices,
    tag_label,
)


def test_the_six_principles_and_eight_benchmarks_are_loaded():
    principles, gatsby = frameworks()
    assert principles.key == "principles"
    assert [t.label for t in principles.tags] == [
        "1 Empowers young people to plan and manage their own futures",
        "2 Responds to the needs of each learner",
        "3 Provides comprehensive information and advice",
        "4 Raises aspirations",
        "5 Actively promotes equality of opportunity and challenges stereotypes",
        "6 Helps young people to progress",
    ]
    assert gatsby.name == "Gatsby Benchmarks"
    assert len(gatsby.tags) == 8
    assert gatsby.label_of("GB8") == "8 Personal guidance"
    assert len(tag_choices()) == 14


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gatsby:GB8", ("gatsby", "GB8")),
        ("principles:P1", ("principles", "P1")),
        ("gatsby:GB9", None),
        ("source:reflection:1", None),  # provenance is ours, never a choice
        ("GB8", None),
        ("", None),
    ],
)
def test_parse_tag(value, expected):
    assert parse_tag(value) == expected


def test_labels_survive_a_tag_the_framework_dropped():
    assert tag_label("gatsby", "GB3") == "3 Addressing the needs of each pupil"
    assert tag_label("gatsby", "GB99") == "GB99"
    assert tag_label("retired", "X") == "X"
    assert short_label("gatsby", "GB3") == "Gatsby Benchmarks: 3 Addressing the needs of each pupil"


@pytest.mark.parametrize(
    "doc",
    [
        {"frameworks": [{"key": "source", "tags": [{"key": "a", "label": "A"}]}]},
        {"frameworks": [{"key": "", "tags": [{"key": "a", "label": "A"}]}]},
        {"frameworks": [{"key": "x", "tags": []}]},
        {"frameworks": [{"key": "x", "tags": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}]},
        {
            "frameworks": [
                {"key": "x", "tags": [{"key": "a", "label": "A"}]},
                {"key": "x", "tags": [{"key": "b", "label": "B"}]},
            ]
        },
    ],
)
def test_a_malformed_framework_file_is_refused(doc):
    with pytest.raises(ValueError, match="framework"):
        parse_frameworks(doc)
