"""Comparing two versions of a qualification: the pure diff, and the page course leaders read it on."""

from __future__ import annotations

import copy
import html
import io
import json
from dataclasses import replace

import pytest
from flask import url_for

from qualification.compare.rules import Change, compare_specs
from qualification.demo import DEMO_SPEC
from qualification.spec import AwardSpec, CriterionSpec, ModuleSpec, OptionGroupSpec, OutcomeSpec, Spec
from tests.support.html import csrf_from, login

C1 = CriterionSpec("M01.1.1", "Holds a needs conversation", ("portfolio", "competence"))
C2 = CriterionSpec("M01.1.2", "Refers learners on", ("portfolio",))
O1 = OutcomeSpec("M01.1", "Identify needs", (C1, C2))
O2 = OutcomeSpec("M01.2", "Work with parents", (CriterionSpec("M01.2.1", "Runs an event", ("observation",)),))
M01 = ModuleSpec("M01", "Communicating", 6, 15, "How to talk to pupils.", True, (O1, O2))
M02 = ModuleSpec("M02", "Planning", 6, 15, "Calendars.", True, ())
M03 = ModuleSpec("M03", "Pathways", 6, 15, "Options at 14.", True, ())
M04 = ModuleSpec("M04", "Ethics", 6, 15, "Impartiality.", False, ())
ONE = OptionGroupSpec("One option", ("M03", "M04"), 15, 15)
CERT = AwardSpec("CERT", "Certificate", 6, 45, 30, ("M01", "M02"), (ONE,), (), ("MA",))
MA = AwardSpec("MA", "Master's", 7, 180, 90, ("M04",), (), ("CERT",), ())
OLD = Spec("CCQ", "Careers Coordinator Qualification", "Northmoor", (M01, M02, M03, M04), (CERT, MA))


def _module(code: str, **fields) -> Spec:
    return replace(OLD, modules=tuple(replace(m, **fields) if m.code == code else m for m in OLD.modules))


def _award(code: str, **fields) -> Spec:
    return replace(OLD, awards=tuple(replace(a, **fields) if a.code == code else a for a in OLD.awards))


CASES = [
    pytest.param(OLD, (), id="identical"),
    pytest.param(
        replace(OLD, title="Careers Leader Qualification"),
        (
            Change(
                "changed",
                "Qualification",
                ('title: "Careers Coordinator Qualification" → "Careers Leader Qualification"',),
            ),
        ),
        id="qualification-title",
    ),
    pytest.param(
        replace(OLD, provider=None),
        (Change("changed", "Qualification", ('provider: "Northmoor" → none',)),),
        id="qualification-provider",
    ),
    pytest.param(
        replace(OLD, modules=(*OLD.modules, ModuleSpec("M05", "Leading", 7, 30, "", False, ()))),
        (Change("added", "Module M05", ('"Leading", level 7, 30 credits',)),),
        id="module-added",
    ),
    pytest.param(
        replace(OLD, modules=(M01, M02, M04)),
        (Change("removed", "Module M03", ('"Pathways", level 6, 15 credits',)),),
        id="module-removed",
    ),
    pytest.param(
        replace(OLD, modules=(M02, M01, M03, M04)),
        (Change("changed", "Qualification", ("order of modules changed",)),),
        id="modules-reordered",
    ),
    pytest.param(
        _module("M02", title="Planning Provision"),
        (Change("changed", "Module M02", ('title: "Planning" → "Planning Provision"',)),),
        id="module-title",
    ),
    pytest.param(
        _module("M02", credits=20),
        (Change("changed", "Module M02", ("credits: 15 → 20",)),),
        id="module-credits",
    ),
    pytest.param(
        _module("M02", level=7), (Change("changed", "Module M02", ("level: 6 → 7",)),), id="module-level"
    ),
    pytest.param(
        _module("M02", summary="Calendars and budgets."),
        (Change("changed", "Module M02", ('summary: "Calendars." → "Calendars and budgets."',)),),
        id="module-summary",
    ),
    pytest.param(
        _module("M02", cpd=False),
        (Change("changed", "Module M02", ("stands alone as CPD: yes → no",)),),
        id="module-cpd",
    ),
    pytest.param(
        _module("M01", outcomes=(O1, O2, OutcomeSpec("M01.3", "Work in a team", ()))),
        (Change("added", "Outcome M01.3", ('"Work in a team", 0 criteria',)),),
        id="outcome-added",
    ),
    pytest.param(
        _module("M01", outcomes=(O1,)),
        (Change("removed", "Outcome M01.2", ('"Work with parents", 1 criterion',)),),
        id="outcome-removed",
    ),
    pytest.param(
        _module("M01", outcomes=(replace(O1, text="Identify pupils' needs"), O2)),
        (Change("changed", "Outcome M01.1", ('text: "Identify needs" → "Identify pupils\' needs"',)),),
        id="outcome-text",
    ),
    pytest.param(
        _module("M01", outcomes=(O2, O1)),
        (Change("changed", "Module M01", ("order of outcomes changed",)),),
        id="outcomes-reordered",
    ),
    pytest.param(
        _module(
            "M01",
            outcomes=(replace(O1, criteria=(replace(C1, methods=("competence", "observation")), C2)), O2),
        ),
        (Change("changed", "Criterion M01.1.1", ("methods: added observation; removed portfolio",)),),
        id="criterion-methods",
    ),
    pytest.param(
        _module("M01", outcomes=(replace(O1, criteria=(C1,)), O2)),
        (Change("removed", "Criterion M01.1.2", ('"Refers learners on"',)),),
        id="criterion-removed",
    ),
    pytest.param(
        _award("CERT", compulsory=("M01", "M03")),
        (Change("changed", "Award CERT", ("compulsory modules: added M03; removed M02",)),),
        id="award-compulsory",
    ),
    pytest.param(
        _award("CERT", apl_max_credits=15),
        (Change("changed", "Award CERT", ("APL limit: 30 credits → 15 credits",)),),
        id="award-apl-limit",
    ),
    pytest.param(
        _award("MA", includes=(), progression=("PHD",)),
        (Change("changed", "Award MA", ("included awards: removed CERT", "progression: added PHD")),),
        id="award-includes-and-progression",
    ),
    pytest.param(
        _award("CERT", options=(replace(ONE, min_credits=0, max_credits=30),)),
        (
            Change(
                "changed",
                "Option group 'One option' of CERT",
                ("minimum credits: 15 → 0", "maximum credits: 15 → 30"),
            ),
        ),
        id="option-bounds",
    ),
    pytest.param(
        _award("CERT", options=(replace(ONE, modules=("M04",)),)),
        (Change("changed", "Option group 'One option' of CERT", ("modules: removed M03",)),),
        id="option-modules",
    ),
    pytest.param(
        _award("CERT", options=(ONE, OptionGroupSpec("Extra", ("M04",), 0, 15))),
        (Change("added", "Option group 'Extra' of CERT", ("0 to 15 credits from M04",)),),
        id="option-group-added",
    ),
    pytest.param(
        _award("CERT", options=()),
        (Change("removed", "Option group 'One option' of CERT", ("15 credits from M03, M04",)),),
        id="option-group-removed",
    ),
    pytest.param(
        replace(OLD, awards=(MA, CERT)),
        (Change("changed", "Qualification", ("order of awards changed",)),),
        id="awards-reordered",
    ),
]


@pytest.mark.parametrize(("new", "expected"), CASES)
def test_each_kind_of_change_is_described(new, expected):
    assert compare_specs(OLD, new).changes == expected


def test_identical_specs_have_no_differences():
    assert compare_specs(OLD, OLD).summary == "No differences"


def test_changes_come_in_reading_order_with_a_summary():
    new = replace(
        OLD,
        title="New title",
        modules=(
            ModuleSpec("M05", "Leading", 7, 30, "", False, ()),
            replace(M01, credits=20, outcomes=(replace(O1, text="Identify"),)),
            M02,
            M04,
        ),
        awards=(replace(CERT, options=(replace(ONE, max_credits=30),)), replace(MA, credits=120)),
    )
    comparison = compare_specs(OLD, new)
    assert [(c.kind, c.what) for c in comparison.changes] == [
        ("changed", "Qualification"),
        ("added", "Module M05"),
        ("changed", "Module M01"),
        ("changed", "Outcome M01.1"),
        ("removed", "Outcome M01.2"),
        ("removed", "Module M03"),
        ("changed", "Option group 'One option' of CERT"),
        ("changed", "Award MA"),
    ]
    assert comparison.summary == "8 changes: 1 added, 2 removed, 5 changed"
    assert [name for name, _ in comparison.groups] == [
        "Qualification",
        "Module M05: Leading",
        "Module M01: Communicating",
        "Module M03: Pathways",
        "Award CERT: Certificate",
        "Award MA: Master's",
    ]


def test_a_single_change_is_counted_in_the_singular():
    assert compare_specs(OLD, _module("M02", level=7)).summary == "1 change: 1 changed"


def test_a_long_text_shows_only_the_stretch_that_changed():
    long = (
        "How coordinators find out what pupils need through conversation, "
        "refer them on to the personal adviser, and work with parents."
    )
    old = _module("M02", summary=long)
    new = _module("M02", summary=long.replace("personal", "careers"))
    (change,) = compare_specs(old, new).changes
    assert change.details == (
        'summary: "…refer them on to the personal adviser, and work with…"'
        ' → "…refer them on to the careers adviser, and work with…"',
    )


def test_criterion_method_order_alone_is_not_a_change():
    swapped = replace(C1, methods=tuple(reversed(C1.methods)))
    assert (
        compare_specs(OLD, _module("M01", outcomes=(replace(O1, criteria=(swapped, C2)), O2))).changes == ()
    )


# The page ----------------------------------------------------------------------------------------------

DEMO = json.loads(DEMO_SPEC.read_text())


def _changed_demo() -> dict:
    doc = copy.deepcopy(DEMO)
    doc["title"] = "Careers Leader Qualification"
    doc["modules"][0]["title"] = "Communicating with Others in CEIAG"
    doc["modules"][0]["outcomes"][0]["criteria"][1]["methods"] = ["portfolio", "observation"]
    doc["awards"][0]["apl_max_credits"] = 15
    return doc


def _upload(client, document: dict, *, publish: bool = False):
    """Import a spec through the import form, as test_import_export does."""
    token = csrf_from(client.get("/qualifications/import").get_data(as_text=True))
    data = {"csrf_token": token, "document": (io.BytesIO(json.dumps(document).encode()), "spec.json")}
    if publish:
        data["publish"] = "y"
    return client.post("/qualifications/import", data=data, content_type="multipart/form-data")


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def two_versions(client, course_leader):
    login(client, course_leader.email)
    assert _upload(client, DEMO, publish=True).status_code == 302
    assert _upload(client, _changed_demo()).status_code == 302
    return client


def test_course_leader_sees_what_changed_between_the_newest_two_versions(two_versions, app):
    response = two_versions.get("/qualifications/CCQ/compare")
    assert response.status_code == 200
    page = _page(response)
    assert '<label for="compare-from">From</label>' in page
    assert '<label for="compare-to">To</label>' in page
    assert '<option value="1" selected>Version 1 (published)</option>' in page
    assert '<option value="2" selected>Version 2 (draft)</option>' in page
    assert "4 changes: 4 changed" in page
    assert 'title: "Careers Coordinator Qualification" → "Careers Leader Qualification"' in page
    assert (
        'title: "Communicating and Working with Others in CEIAG" → "Communicating with Others in CEIAG"'
        in page
    )
    assert "Criterion M01.1.2" in page
    assert "methods: added observation" in page
    assert "APL limit: 30 credits → 15 credits" in page
    with app.test_request_context():
        assert (
            url_for("qualification.compare.compare", code="CCQ", to=2) == "/qualifications/CCQ/compare?to=2"
        )


def test_the_versions_can_be_chosen_either_way_round(two_versions):
    backwards = _page(two_versions.get("/qualifications/CCQ/compare?from=2&to=1"))
    assert 'title: "Careers Leader Qualification" → "Careers Coordinator Qualification"' in backwards
    same = _page(two_versions.get("/qualifications/CCQ/compare?from=2&to=2"))
    assert "No differences" in same


def test_with_one_version_there_is_nothing_to_compare(client, course_leader):
    login(client, course_leader.email)
    _upload(client, DEMO)
    page = _page(client.get("/qualifications/CCQ/compare"))
    assert "There is only one version, so there is nothing to compare yet." in page


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("?from=one", 400, '"from" must be a version number'),
        ("?to=-1", 400, '"to" must be a version number'),
        ("?from=9", 404, "Page not found"),
        ("?from=1&to=3", 404, "Page not found"),
    ],
)
def test_bad_version_numbers_are_refused_plainly(two_versions, query, status, message):
    response = two_versions.get("/qualifications/CCQ/compare" + query)
    assert response.status_code == status
    assert message in _page(response)


def test_an_unknown_qualification_is_not_found(client, course_leader):
    login(client, course_leader.email)
    assert client.get("/qualifications/NOPE/compare").status_code == 404


def test_candidates_and_visitors_cannot_compare(client, candidate, course_leader):
    login(client, course_leader.email)
    _upload(client, DEMO)
    visitor = client.application.test_client()
    assert visitor.get("/qualifications/CCQ/compare").status_code == 302
    login(visitor, candidate.email)
    assert visitor.get("/qualifications/CCQ/compare").status_code == 403
