"""The gap view's rules as tables: a criterion's status, and what each assessment method still needs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from modules.catalogue.models import AssessmentMethod as M
from portfolio.mapping.queries import Evidence, GapStatus, build_gap, criterion_status, still_needs


def _evidence(kind: str) -> Evidence:
    return Evidence(1, "An item", kind, "", True)


@pytest.mark.parametrize(
    ("evidence", "submitted", "outcomes", "expected"),
    [
        ([], set(), {}, GapStatus.NO_EVIDENCE),
        ([_evidence("link")], set(), {}, GapStatus.MAPPED),
        ([_evidence("link")], {"A.1"}, {}, GapStatus.SUBMITTED),
        ([], {"A.1"}, {}, GapStatus.SUBMITTED),  # submitted, then the working copy was unmapped
        ([_evidence("link")], {"A.1"}, {"A.1": "met"}, GapStatus.MET),
        ([_evidence("link")], {"A.1"}, {"A.1": "not yet met"}, GapStatus.NOT_YET_MET),
        ([], set(), {"A.1": "met by APL"}, GapStatus.MET_BY_APL),
        ([_evidence("link")], {"A.1"}, {"B.2": "met"}, GapStatus.SUBMITTED),
    ],
)
def test_criterion_status(evidence, submitted, outcomes, expected):
    assert criterion_status("A.1", evidence, submitted, outcomes) == expected


@pytest.mark.parametrize(
    ("methods", "kinds", "status", "expected"),
    [
        ([M.PORTFOLIO], set(), GapStatus.NO_EVIDENCE, ["portfolio evidence"]),
        ([M.PORTFOLIO], {"file"}, GapStatus.MAPPED, []),
        ([M.REFLECTIVE_ACCOUNT], {"link"}, GapStatus.MAPPED, ["a reflective account"]),
        ([M.REFLECTIVE_ACCOUNT], {"account"}, GapStatus.MAPPED, []),
        (
            [M.OBSERVATION, M.COMPETENCE],
            set(),
            GapStatus.NO_EVIDENCE,
            ["observation still to be planned", "competence sign-off by your assessor"],
        ),
        ([M.OBSERVATION], {"observation"}, GapStatus.MAPPED, []),
        (
            [M.PROFESSIONAL_DISCUSSION],
            {"account"},
            GapStatus.MAPPED,
            ["a record of a professional discussion"],
        ),
        ([M.PROFESSIONAL_DISCUSSION], {"discussion"}, GapStatus.MAPPED, []),
        ([M.ASSIGNMENT], {"link"}, GapStatus.MAPPED, ["the assignment"]),
        ([M.ASSIGNMENT], {"file"}, GapStatus.MAPPED, []),
        ([M.PORTFOLIO, M.OBSERVATION], {"file"}, GapStatus.SUBMITTED, ["observation still to be planned"]),
        ([M.OBSERVATION, M.COMPETENCE], set(), GapStatus.MET, []),
        ([M.PORTFOLIO], set(), GapStatus.MET_BY_APL, []),
        ([M.PORTFOLIO], set(), GapStatus.NOT_YET_MET, ["portfolio evidence"]),
    ],
)
def test_what_each_method_still_needs(methods, kinds, status, expected):
    assert still_needs(methods, kinds, status) == expected


def _criterion(ref: str, *methods: M):
    return SimpleNamespace(ref=ref, text=f"Criterion {ref}", methods=list(methods))


def _mapping(ref: str, item_id: int, kind: str, note: str = ""):
    item = SimpleNamespace(
        id=item_id, kind=kind, anonymised_at=None, current=SimpleNamespace(title=f"Item {item_id}")
    )
    return SimpleNamespace(criterion_ref=ref, item=item, note=note)


def test_build_gap_groups_evidence_by_criterion_and_outcome():
    outcomes = [
        SimpleNamespace(ref="A.1", text="First", criteria=[_criterion("A.1.1", M.PORTFOLIO)]),
        SimpleNamespace(
            ref="A.2",
            text="Second",
            criteria=[_criterion("A.2.1", M.REFLECTIVE_ACCOUNT), _criterion("A.2.2", M.OBSERVATION)],
        ),
    ]
    mappings = [
        _mapping("A.1.1", 1, "file", "page 3"),
        _mapping("A.2.1", 1, "file"),
        _mapping("A.1.1", 2, "link"),
    ]
    view = build_gap(SimpleNamespace(code="A"), outcomes, mappings, {"A.2.2"}, {"A.2.1": "not yet met"})
    first, reflective, observed = view.criteria
    assert [(e.item_id, e.note) for e in first.evidence] == [(1, "page 3"), (2, "")]
    assert (first.status, first.still_needs) == (GapStatus.MAPPED, [])
    assert (reflective.status, reflective.still_needs) == (GapStatus.NOT_YET_MET, ["a reflective account"])
    assert (observed.status, observed.evidence) == (GapStatus.SUBMITTED, [])
    assert view.count(GapStatus.NO_EVIDENCE) == 0
    assert view.count(GapStatus.MAPPED, GapStatus.SUBMITTED) == 2
