"""qualification.spec: every rule of `qualification-spec/1`, the export round trip, award satisfiability."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualification.spec import (
    FORMAT,
    AwardSpec,
    SpecInvalid,
    parse_spec,
    progression_map,
    spec_to_document,
)

M01_OUTCOME = {
    "ref": "M01.1",
    "text": "Identify pupils' IAG needs through conversation",
    "criteria": [
        {
            "ref": "M01.1.1",
            "text": "Holds a needs conversation with a pupil",
            "methods": ["observation", "competence"],
        },
        {
            "ref": "M01.1.2",
            "text": "Refers a pupil to a guidance specialist with a recorded rationale",
            "methods": ["portfolio"],
        },
    ],
}
M01 = {
    "code": "M01",
    "title": "Communicating and Working with Others in CEIAG",
    "level": 6,
    "credits": 15,
    "summary": "How coordinators find out what pupils need and work with colleagues, parents and employers.",
    "cpd": True,
    "outcomes": [M01_OUTCOME],
}
CERT = {
    "code": "CERT",
    "title": "Professional Certificate in Careers Coordination",
    "level": 6,
    "credits": 60,
    "apl_max_credits": 30,
    "compulsory": ["M01", "M02", "M03"],
    "options": [{"title": "One option", "modules": ["M04", "M05"], "min_credits": 15, "max_credits": 15}],
    "includes": [],
    "progression": ["PGCERT"],
}
# The example exactly as the format page prints it: it names modules and an award it leaves out.
DOC_EXAMPLE = {
    "format": FORMAT,
    "code": "CCQ",
    "title": "Careers Coordinator Qualification",
    "provider": "Example University",
    "modules": [M01],
    "awards": [CERT],
}
METHOD_LIST = "portfolio, observation, competence, reflective_account, professional_discussion, assignment"


def module(code: str, credits: int = 15, level: int = 7, ref: str | None = None) -> dict:
    """A module with only the required fields, one outcome and one criterion."""
    ref = ref or code
    criterion = {"ref": f"{ref}.1.1", "text": "Shows it", "methods": ["portfolio"]}
    outcome = {"ref": f"{ref}.1", "text": "Knows it", "criteria": [criterion]}
    return {
        "code": code,
        "title": f"Module {code}",
        "level": level,
        "credits": credits,
        "outcomes": [outcome],
    }


def demo() -> dict:
    """The format page's example grown into the whole demo qualification of domain.md section 3."""
    modules = [copy.deepcopy(M01)]
    modules += [module(f"M{n:02d}", level=6 if n <= 5 else 7) for n in range(2, 14)]
    modules.append(module("M14", credits=60))
    pools = ["M09", "M10", "M11", "M12"]
    pgcert = {
        "code": "PGCERT",
        "title": "PG Certificate in Leading CEIAG",
        "level": 7,
        "credits": 60,
        "apl_max_credits": 30,
        "compulsory": ["M06", "M07", "M08"],
        "options": [{"title": "One option", "modules": pools, "min_credits": 15, "max_credits": 15}],
        "progression": ["MA"],
    }
    ma = {
        "code": "MA",
        "title": "MA Careers Education and Guidance Leadership",
        "level": 7,
        "credits": 180,
        "apl_max_credits": 90,
        "compulsory": ["M13", "M14"],
        "options": [{"title": "Three options", "modules": pools, "min_credits": 45, "max_credits": 45}],
        "includes": ["PGCERT"],
    }
    return {**copy.deepcopy(DOC_EXAMPLE), "modules": modules, "awards": [copy.deepcopy(CERT), pgcert, ma]}


def problems_of(document: object) -> list[str]:
    with pytest.raises(SpecInvalid) as caught:
        parse_spec(document)
    return caught.value.problems


def test_a_minimal_document_parses_with_defaults():
    award = {"code": "A1", "title": "A", "level": 6, "credits": 60, "compulsory": ["M1X"]}
    document = {
        "format": FORMAT,
        "code": "Q1",
        "title": "Q",
        "modules": [module("M1X", credits=60)],
        "awards": [award],
    }
    spec = parse_spec(document)
    assert spec.provider is None
    assert (spec.modules[0].summary, spec.modules[0].cpd) == ("", False)
    assert spec.awards[0] == AwardSpec("A1", "A", 6, 60, 0, ("M1X",), (), (), ())
    exported = spec_to_document(spec)
    assert exported["provider"] is None
    assert exported["modules"][0] == {**module("M1X", credits=60), "summary": "", "cpd": False}
    defaults = {"apl_max_credits": 0, "options": [], "includes": [], "progression": []}
    assert exported["awards"][0] == {**award, **defaults}


def test_the_demo_parses_and_round_trips():
    document = demo()
    spec = parse_spec(document)
    assert [a.code for a in spec.awards] == ["CERT", "PGCERT", "MA"]
    assert spec.modules[0].outcomes[0].criteria[0].methods == ("observation", "competence")
    filled = copy.deepcopy(document)
    for m in filled["modules"]:
        m.setdefault("summary", "")
        m.setdefault("cpd", False)
    filled["awards"][1]["includes"] = []
    filled["awards"][2]["progression"] = []
    assert spec_to_document(spec) == filled
    assert parse_spec(spec_to_document(spec)) == spec
    assert progression_map(spec) == [("CERT", "PGCERT"), ("PGCERT", "MA")]


def test_the_format_pages_own_example_names_modules_it_leaves_out():
    assert problems_of(DOC_EXAMPLE) == [
        'awards[0].compulsory[1]: unknown module "M02"',
        'awards[0].compulsory[2]: unknown module "M03"',
        'awards[0].options[0].modules[0]: unknown module "M04"',
        'awards[0].options[0].modules[1]: unknown module "M05"',
        'awards[0].progression[0]: unknown award "PGCERT"',
    ]


def test_text_is_stored_exactly_as_given():
    document = demo()
    document["title"] = "  <b>Careers</b> & <script>x</script>  "
    document["modules"][1]["summary"] = "# Heading\n\n<img src=x onerror=alert(1)>\n"
    spec = parse_spec(document)
    assert spec.title == document["title"]
    assert spec_to_document(spec)["modules"][1]["summary"] == document["modules"][1]["summary"]


def _get(document: dict, path: str) -> object:
    """The node at a dotted path, list indexes as numbers: `modules.0.outcomes`."""
    for part in filter(None, path.split(".")):
        document = document[int(part) if part.isdigit() else part]
    return document


def _set(path: str, value: object):
    parent, _, last = path.rpartition(".")
    key = int(last) if last.isdigit() else last
    return lambda document: _get(document, parent).__setitem__(key, copy.deepcopy(value))


def _delete(path: str):
    parent, _, last = path.rpartition(".")
    return lambda document: _get(document, parent).pop(last)


OUT = "modules.0.outcomes.0"
CRIT = "modules[0].outcomes[0].criteria[0]"
A0 = "awards[0]"
TWICE = "appears twice in this award"
SAT = "cannot be satisfied:"
NOT_ONLY_SPACES = "characters, not only spaces"
EXTRA_GROUP = {"title": "Another", "modules": ["M05"], "min_credits": 0, "max_credits": 15}


def _append(path: str, value: object):
    return lambda document: _get(document, path).append(copy.deepcopy(value))


RULES = [
    (_set("format", "qualification-spec/2"), 'format: must be "qualification-spec/1"'),
    (_delete("format"), "format: required"),
    (_set("colour", "red"), "colour: unknown field"),
    (_set("code", "ccq"), "code: must be 2 to 20 characters of A-Z, 0-9 and -"),
    (_set("code", "C" * 21), "code: must be 2 to 20 characters of A-Z, 0-9 and -"),
    (_set("code", "CCQ\n"), "code: must be 2 to 20 characters of A-Z, 0-9 and -"),
    (_set("title", ""), f"title: must be text of 1 to 200 {NOT_ONLY_SPACES}"),
    (_set("title", "   "), f"title: must be text of 1 to 200 {NOT_ONLY_SPACES}"),
    (_set("title", "x" * 201), f"title: must be text of 1 to 200 {NOT_ONLY_SPACES}"),
    (_delete("title"), "title: required"),
    (_set("provider", 5), "provider: must be text of up to 200 characters, or null"),
    (_append("modules", 5), "modules[14]: must be a JSON object"),
    (_set("modules.0.colour", "red"), "modules[0].colour: unknown field"),
    (_set("modules.3.credits", True), "modules[3].credits: must be a whole number from 1 to 180"),
    (_set("modules.3.credits", 15.0), "modules[3].credits: must be a whole number from 1 to 180"),
    (_set("modules.3.credits", 181), "modules[3].credits: must be a whole number from 1 to 180"),
    (_set("modules.3.credits", "15"), "modules[3].credits: must be a whole number from 1 to 180"),
    (_set("modules.0.level", 9), "modules[0].level: must be a whole number from 3 to 8"),
    (_set("modules.0.title", None), f"modules[0].title: must be text of 1 to 200 {NOT_ONLY_SPACES}"),
    (_set("modules.0.summary", None), "modules[0].summary: must be text of up to 20000 characters"),
    (_set("modules.0.cpd", "yes"), "modules[0].cpd: must be true or false"),
    (_set("modules.0.cpd", 1), "modules[0].cpd: must be true or false"),
    (
        _append("modules", module("M03", ref="X")),
        'modules[14].code: duplicate module code "M03" (also modules[2])',
    ),
    (_set("modules.0.outcomes", []), "modules[0].outcomes: must be a list of at least one outcome"),
    (
        _set(f"{OUT}.criteria", []),
        "modules[0].outcomes[0].criteria: must be a list of at least one criterion",
    ),
    (_delete(f"{OUT}.text"), "modules[0].outcomes[0].text: required"),
    (
        _set(f"{OUT}.criteria.0.methods", []),
        f"{CRIT}.methods: must be a list of at least one assessment method",
    ),
    (
        _set(f"{OUT}.criteria.0.methods", ["portfolio", "exam"]),
        f'{CRIT}.methods[1]: unknown method "exam" (use one of {METHOD_LIST})',
    ),
    (
        _set(f"{OUT}.criteria.0.methods", ["portfolio", "portfolio"]),
        f'{CRIT}.methods[1]: method "portfolio" is listed twice (also {CRIT}.methods[0])',
    ),
    (_set(f"{OUT}.criteria.0.weight", 2), f"{CRIT}.weight: unknown field"),
    (
        _set("modules.1.outcomes.0.ref", "M01.1"),
        'modules[1].outcomes[0].ref: duplicate ref "M01.1" (also modules[0].outcomes[0])',
    ),
    (
        _set(f"{OUT}.criteria.1.ref", "M01.1"),
        'modules[0].outcomes[0].criteria[1].ref: duplicate ref "M01.1" (also modules[0].outcomes[0])',
    ),
    (_set(f"{OUT}.ref", "R" * 31), f"modules[0].outcomes[0].ref: must be text of 1 to 30 {NOT_ONLY_SPACES}"),
    (_append("awards", CERT), f'awards[3].code: duplicate award code "CERT" (also {A0})'),
    (_set("awards.0.credits", 541), f"{A0}.credits: must be a whole number from 1 to 540"),
    (_set("awards.0.level", 2), f"{A0}.level: must be a whole number from 3 to 8"),
    (_set("awards.0.apl_max_credits", 61), f"{A0}.apl_max_credits: must be a whole number from 0 to 60"),
    (_set("awards.0.motto", "x"), f"{A0}.motto: unknown field"),
    (_set("awards.0.compulsory.2", "M99"), f'{A0}.compulsory[2]: unknown module "M99"'),
    (_set("awards.0.compulsory", "M01"), f"{A0}.compulsory: must be a list of module codes"),
    (
        _append("awards.0.compulsory", "M01"),
        f'{A0}.compulsory[3]: module "M01" {TWICE} (also {A0}.compulsory[0])',
    ),
    (
        _append("awards.0.compulsory", "M04"),
        f'{A0}.options[0].modules[0]: module "M04" {TWICE} (also {A0}.compulsory[3])',
    ),
    (
        _append("awards.0.options", EXTRA_GROUP),
        f'{A0}.options[1].modules[0]: module "M05" {TWICE} (also {A0}.options[0].modules[1])',
    ),
    (
        _set("awards.0.options.0.min_credits", 30),
        f"{A0}.options[0]: min_credits (30) is more than max_credits (15)",
    ),
    (
        _set("awards.0.options.0.modules", []),
        f"{A0}.options[0].modules: must be a list of at least one module code",
    ),
    (_delete("awards.0.options.0.min_credits"), f"{A0}.options[0].min_credits: required"),
    (_set("awards.0.options.0.label", "x"), f"{A0}.options[0].label: unknown field"),
    (_set("awards.2.includes", ["PG"]), 'awards[2].includes[0]: unknown award "PG"'),
    (_set("awards.2.includes", ["PGCERT", "MA"]), "awards[2].includes[1]: an award cannot include itself"),
    (
        _set("awards.2.includes", ["PGCERT", "PGCERT"]),
        'awards[2].includes[1]: award "PGCERT" is listed twice (also awards[2].includes[0])',
    ),
    (_set("awards.0.progression", ["CERT"]), f"{A0}.progression[0]: an award cannot lead to itself"),
    (_set("awards.1.includes", ["MA"]), "awards[1].includes: cycle PGCERT -> MA -> PGCERT"),
    (
        _set("awards.0.credits", 90),
        f"{A0}: {SAT} Compulsory modules give 45 credits and the option group always adds 15, "
        "so the total is always 60, not 90.",
    ),
    (
        _set(
            "awards.0.options.0",
            {"title": "Wide", "modules": ["M04", "M05"], "min_credits": 45, "max_credits": 45},
        ),
        f"{A0}: {SAT} The option group 'Wide' needs at least 45 credits but its modules add up to only 30.",
    ),
    # An included award that cannot be satisfied is reported once, not again for the MA that includes it,
    # even with the MA listed first.
    (
        lambda d: d.update(awards=[d["awards"][2], {**d["awards"][1], "credits": 75}, d["awards"][0]]),
        f"awards[1]: {SAT} Compulsory modules give 45 credits and the option group always adds 15, "
        "so the total is always 60, not 75.",
    ),
    (
        _set("modules.13.credits", 45),
        f"awards[2]: {SAT} Counting the included award PGCERT, the compulsory modules and the option group, "
        "the total is always 165, not 180.",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), RULES, ids=[line.split(":")[0] for _, line in RULES])
def test_each_rule_reports_one_exact_problem(mutate, expected):
    document = demo()
    mutate(document)
    assert problems_of(document) == [expected]


@pytest.mark.parametrize("document", [[], "{}", None, 3, [{"format": FORMAT}]])
def test_a_document_that_is_not_an_object(document):
    assert problems_of(document) == ["$: must be a JSON object"]


def test_all_problems_are_collected_at_once():
    document = demo()
    document["modules"][3]["credits"] = True
    document["modules"][0]["colour"] = "red"
    document["awards"][0]["compulsory"][2] = "M99"
    assert problems_of(document) == [
        "modules[0].colour: unknown field",
        "modules[3].credits: must be a whole number from 1 to 180",
        'awards[0].compulsory[2]: unknown module "M99"',
    ]


def test_odd_keys_and_values_stay_on_one_line():
    document = demo()
    document["modules"][0]["a\nb"] = 1
    document["awards"][0]["compulsory"][0] = "M\n1"
    document["awards"][1]["options"][0].update(title="One\u2028option", min_credits=75, max_credits=75)
    assert problems_of(document) == [
        'modules[0]["a\\nb"]: unknown field',
        'awards[0].compulsory[0]: unknown module "M\\n1"',
        "awards[1]: cannot be satisfied: The option group 'One option' needs at least 75 credits "
        "but its modules add up to only 60.",
    ]


def test_broken_documents_never_crash():
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=8,
    )
    paths = st.sampled_from(
        [
            *[
                "format",
                "modules",
                "modules.0",
                OUT,
                f"{OUT}.criteria.0.methods",
                "awards.0",
                "awards.0.options",
            ],
            *[
                "awards.0.options.0.modules",
                "awards.0.options.0.max_credits",
                "awards.2.includes",
                "awards.1.credits",
            ],
        ]
    )

    @settings(max_examples=150, deadline=None)
    @given(paths, json_values)
    def check(path, value):
        document = demo()
        _set(path, value)(document)
        problems = []
        try:
            parse_spec(document)
        except SpecInvalid as invalid:
            problems = invalid.problems
        assert all("\n" not in line and ": " in line for line in problems)

    check()
