"""What a form draft keeps of a posted form, and what it refuses (core/drafts/rules.py), as tables."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from core.drafts.rules import MAX_VALUES, field_problems, fields_of, formdata_of

LIMITS = {"text": 10, "boxes": 3}


def test_a_draft_keeps_only_the_named_fields_with_every_value():
    sent = [("csrf_token", "t"), ("draft_revision", "3"), ("action", "submit"), ("text", "Hi")]
    posted = MultiDict([*sent, ("boxes", "1"), ("boxes", "2")])
    assert fields_of(posted, LIMITS) == {"text": ["Hi"], "boxes": ["1", "2"]}
    assert formdata_of(fields_of(posted, LIMITS)).getlist("boxes") == ["1", "2"]


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({"text": ["x" * 10]}, {}),
        ({"text": ["x" * 11]}, {"text": "Keep this under 10 characters."}),
        ({"boxes": ["1", "2222"]}, {"boxes": "Keep this under 3 characters."}),
        ({"boxes": ["1"] * (MAX_VALUES + 1)}, {"boxes": "Too many choices to keep."}),
        ({"unknown": ["x"]}, {"unknown": "Keep this under 0 characters."}),
    ],
)
def test_field_problems(fields, problems):
    assert field_problems(fields, LIMITS) == problems
