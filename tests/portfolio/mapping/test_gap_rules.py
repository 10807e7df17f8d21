"""The gap view's rules as tables: a criterion's status, and what each assessment method still needs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from modules.catalogue.models import AssessmentMethod as M
from portfolio.mapping.queries import Evidence, GapStatus, build_gap, criterion_status
from portfolio.mapping.rules import Backing, is_backed, still_needs
from portfolio.mapping.rules import met_by as method_words


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


SETTLED = {GapStatus.MET, GapStatus.MET_BY_APL}


@pytest.mark.parametrize(
    ("methods", "backing", "status", "expected"),
    [
        ([M.PORTFOLIO], Backing(), GapStatus.NO_EVIDENCE, ["portfolio evidence"]),
        ([M.PORTFOLIO], Backing(frozenset({"file"})), GapStatus.MAPPED, []),
        ([M.REFLECTIVE_ACCOUNT], Backing(frozenset({"link"})), GapStatus.MAPPED, ["a reflective account"]),
        ([M.REFLECTIVE_ACCOUNT], Backing(frozenset({"account"})), GapStatus.MAPPED, []),
        (
            [M.OBSERVATION, M.COMPETENCE],
            Backing(),
            GapStatus.NO_EVIDENCE,
            ["observation still to be planned", "competence sign-off by your assessor"],
        ),
        # An observation record in the portfolio is not the observation: its judgement must say met.
        (
            [M.OBSERVATION],
            Backing(frozenset({"observation"})),
            GapStatus.MAPPED,
            ["observation still to be planned"],
        ),
        ([M.OBSERVATION], Backing(observed=("observation on 3 March 2026",)), GapStatus.MAPPED, []),
        (
            [M.OBSERVATION, M.COMPETENCE],
            Backing(signed_off=("Discussion, 3 March",)),
            GapStatus.NO_EVIDENCE,
            [],
        ),
        # Witness testimony is allowed for a competence sign-off.
        ([M.COMPETENCE], Backing(frozenset({"testimony"})), GapStatus.MAPPED, []),
        (
            [M.COMPETENCE],
            Backing(frozenset({"account"})),
            GapStatus.MAPPED,
            ["competence sign-off by your assessor"],
        ),
        (
            [M.PROFESSIONAL_DISCUSSION],
            Backing(frozenset({"account"})),
            GapStatus.MAPPED,
            ["a record of a professional discussion"],
        ),
        ([M.PROFESSIONAL_DISCUSSION], Backing(frozenset({"discussion"})), GapStatus.MAPPED, []),
        ([M.ASSIGNMENT], Backing(frozenset({"link"})), GapStatus.MAPPED, ["the assignment"]),
        ([M.ASSIGNMENT], Backing(frozenset({"file"})), GapStatus.MAPPED, []),
        # Any one allowed method backs a criterion.
        ([M.PORTFOLIO, M.OBSERVATION], Backing(frozenset({"file"})), GapStatus.SUBMITTED, []),
        ([M.OBSERVATION, M.COMPETENCE], Backing(), GapStatus.MET, []),
        ([M.PORTFOLIO], Backing(), GapStatus.MET_BY_APL, []),
        ([M.PORTFOLIO], Backing(), GapStatus.NOT_YET_MET, ["portfolio evidence"]),
    ],
)
def test_what_could_still_back_a_criterion(methods, backing, status, expected):
    assert still_needs(methods, backing, status in SETTLED) == expected


@pytest.mark.parametrize(
    ("methods", "backing", "backed", "met_by"),
    [
        ([M.OBSERVATION, M.COMPETENCE], Backing(frozenset({"account"})), False, ""),
        ([M.OBSERVATION, M.COMPETENCE], Backing(signed_off=("Discussion",)), True, "Competence sign-off"),
        (
            [M.PORTFOLIO, M.OBSERVATION],
            Backing(frozenset({"file"}), observed=("observation on 1 May 2026",)),
            True,
            "Portfolio evidence; Workplace observation",
        ),
        ([M.REFLECTIVE_ACCOUNT], Backing(by_apl=True), True, "Prior learning (APL)"),
    ],
)
def test_a_criterion_is_backed_by_any_one_allowed_method(methods, backing, backed, met_by):
    assert (is_backed(methods, backing), method_words(methods, backing)) == (backed, met_by)


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
