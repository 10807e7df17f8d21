"""A qualification imported with its own ref style keeps that style when the course leader edits it."""

from __future__ import annotations

import copy
import json

import pytest

from qualification.editor.rules import next_ref, style_of
from tests.support.editor import DEMO, M01, V2, export, page, send_criterion, start_draft, submit
from tests.support.html import login


def _ofqual_style(document: dict) -> dict:
    """The demo spec with refs the way an awarding body writes them: "M01-LO1", "M01-AC1.2"."""
    styled = copy.deepcopy(document)
    for module in styled["modules"]:
        for o, outcome in enumerate(module["outcomes"], start=1):
            outcome["ref"] = f"{module['code']}-LO{o}"
            for c, criterion in enumerate(outcome["criteria"], start=1):
                criterion["ref"] = f"{module['code']}-AC{o}.{c}"
    return styled


@pytest.fixture
def styled_draft(client, runner, course_leader, tmp_path):
    path = tmp_path / "styled.json"
    path.write_text(json.dumps(_ofqual_style(DEMO)))
    result = runner.invoke(args=["qualification", "import", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    login(client, course_leader.email)
    start_draft(client)
    return client


def test_refs_added_in_the_editor_follow_the_imported_style(styled_draft):
    client = styled_draft
    outcomes = len(DEMO["modules"][0]["outcomes"])
    first_criteria = len(DEMO["modules"][0]["outcomes"][0]["criteria"])
    shown = submit(
        client,
        page(client, M01),
        field="add-outcome-text",
        data={"add-outcome-text": "Plan a fair"},
        follow=True,
    ).get_data(as_text=True)
    new_outcome = f"M01-LO{outcomes + 1}"
    assert f"Added learning outcome {new_outcome}." in shown
    shown = send_criterion(
        client, shown, "add-criterion-M01-LO1", "Briefs an employer", ["portfolio"]
    ).get_data(as_text=True)
    shown = send_criterion(
        client, shown, f"add-criterion-{new_outcome}", "Books a venue", ["portfolio"]
    ).get_data(as_text=True)
    module = export(client, V2)["modules"][0]
    assert [o["ref"] for o in module["outcomes"]][-1] == new_outcome
    assert [c["ref"] for c in module["outcomes"][0]["criteria"]][-1] == f"M01-AC1.{first_criteria + 1}"
    assert module["outcomes"][-1]["criteria"] == [
        {"ref": f"M01-AC{outcomes + 1}.1", "text": "Books a venue", "methods": ["portfolio"]}
    ]
    # One style in the whole module: no Waymark-style "M01.5" or "M01-LO1.4" beside the imported refs.
    refs = [o["ref"] for o in module["outcomes"]] + [
        c["ref"] for o in module["outcomes"] for c in o["criteria"]
    ]
    assert all(ref.startswith(("M01-LO", "M01-AC")) for ref in refs), refs


def test_a_new_module_names_its_outcomes_like_the_others(styled_draft):
    client = styled_draft
    response = submit(
        client,
        page(client, f"{V2}/modules/new"),
        field="code",
        data={"code": "M15", "title": "Labour market information", "level": "6", "credits": "15"},
    )
    shown = submit(
        client,
        page(client, response.headers["Location"]),
        field="add-outcome-text",
        data={"add-outcome-text": "Use LMI"},
        follow=True,
    ).get_data(as_text=True)
    send_criterion(client, shown, "add-criterion-M15-LO1", "Finds local LMI", ["portfolio"], follow=False)
    assert export(client, V2)["modules"][-1]["outcomes"] == [
        {
            "ref": "M15-LO1",
            "text": "Use LMI",
            "criteria": [{"ref": "M15-AC1.1", "text": "Finds local LMI", "methods": ["portfolio"]}],
        }
    ]


@pytest.mark.parametrize(
    ("parent", "siblings", "examples", "taken", "expected"),
    [
        # Waymark's own style, as before.
        ("M01", ["M01.1", "M01.2"], [], {"M01.1", "M01.2", "M01.3"}, "M01.4"),
        ("M01.2", ["M01.2.1"], [], set(), "M01.2.2"),
        # Awarding bodies' styles.
        ("LO2", ["AC2.1", "AC2.2"], [], set(), "AC2.3"),
        ("LO4", [], [("LO1", ["AC1.1", "AC1.2"])], set(), "AC4.1"),
        ("3", [], [("1", ["1.1"]), ("2", ["2.1"])], set(), "3.1"),
        ("U2-LO1", [], [("U1-LO1", ["U1-LO1-AC1"])], set(), "U2-LO1-AC1"),
        ("U2", ["U2 LO09"], [], set(), "U2 LO10"),
        ("U2", ["LO1", "LO2"], [], {"LO3"}, "LO4"),  # a ref an earlier revision gave out stays taken
        ("M15", [], [("M01", ["M01.1"])], set(), "M15.1"),
        # Nothing to follow: Waymark's own.
        ("M15", [], [], set(), "M15.1"),
        ("LO7", [], [("X", ["A", "B"])], set(), "LO7.1"),
    ],
)
def test_the_next_ref_continues_the_style_in_use(parent, siblings, examples, taken, expected):
    assert next_ref(parent, siblings, examples, taken) == expected


def test_a_ref_style_keeps_its_padding():
    assert style_of("AC09").ref(10) == "AC10"
    assert style_of("1.1") is not None
    assert style_of("Intro") is None
