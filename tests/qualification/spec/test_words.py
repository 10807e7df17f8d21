"""Spec problems told by name for the web (`qualification/spec/words.py`), from the parser's own problems."""

from __future__ import annotations

import copy
import json

import pytest

from qualification.demo import DEMO_SPEC
from qualification.spec import SpecInvalid, parse_spec
from qualification.spec.words import problem_in_words, problems_in_words

DEMO = json.loads(DEMO_SPEC.read_text())
M01 = f"Module M01 '{DEMO['modules'][0]['title']}'"
GROUP = DEMO["awards"][0]["options"][0]
CERT = f"Award '{DEMO['awards'][0]['title']}'"


def _said(change) -> list[str]:
    """What the web says about a changed copy of the demo spec."""
    document = copy.deepcopy(DEMO)
    change(document)
    with pytest.raises(SpecInvalid) as caught:
        parse_spec(document)
    return problems_in_words(caught.value.problems, document)


def _set(path: str, value):
    def change(document):
        *parents, last = path.split(".")
        node = document
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return change


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (_set("awards.0.level", 12), f"{CERT}: the level must be a whole number from 3 to 8."),
        (
            _set("modules.0.colour", "red"),
            f"{M01}: the field “colour” is not part of the qualification-spec format: remove it.",
        ),
        (_set("code", "a"), "The qualification code must be 2 to 20 characters of A-Z, 0-9 and -."),
        (
            _set("modules.0.outcomes.0.criteria.0.text", ""),
            f"{M01}, learning outcome M01.1, criterion M01.1.1: the wording must be text of 1 to 1000 "
            "characters, not only spaces.",
        ),
        (
            _set("awards.0.options.0.min_credits", 100),
            f"{CERT}, option group '{GROUP['title']}': the minimum credits (100) is "
            f"more than the maximum credits ({GROUP['max_credits']}).",
        ),
        (
            _set("modules.1.code", "M01"),
            f"Module M01 '{DEMO['modules'][1]['title']}': the module code \"M01\" is used twice "
            f"(also {M01}).",
        ),
    ],
)
def test_a_problem_is_told_by_the_names_a_course_leader_knows(change, said):
    assert said in _said(change)


def test_a_missing_title_names_the_award_by_its_code():
    said = _said(lambda d: d["awards"][0].pop("title"))
    assert f"Award {DEMO['awards'][0]['code']}: the title is missing." in said


def test_an_item_without_a_name_is_counted():
    assert problem_in_words("modules[0]: must be a JSON object", {"modules": [7]}) == (
        "Module number 1: must be a JSON object."
    )


def test_a_document_that_is_not_json_is_said_plainly():
    assert problem_in_words("$: not valid JSON: Expecting value (line 1, column 2)", None) == (
        "Not valid JSON: Expecting value (line 1, column 2)."
    )


@pytest.mark.parametrize("odd", ["what is this", 'modules[0]["odd: key"]: unknown field', "[x]: y"])
def test_a_problem_whose_path_cannot_be_read_is_left_as_it_is_or_still_named(odd):
    said = problem_in_words(odd, DEMO)
    assert said == odd or said.startswith(M01)
