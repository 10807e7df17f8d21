"""Mapping is deliberate (issue 11, section 3): nothing is pre-selected, one form maps an item to several
criteria at once showing each criterion's allowed methods, and an unknown criterion changes nothing."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.extensions import db
from portfolio.evidence.models import CriterionMapping
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.evidence import add_evidence, audit_rows, item_id, map_to
from tests.support.html import forms_of, page_text, signed_in_fixture
from tests.support.people import JO

MAP = "Map to the ticked criteria"


demo = demo_fixture(load_study_demo)
jo = signed_in_fixture(JO)


def _mappings(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(CriterionMapping.criterion_ref)))


def _map_form(page):
    [form] = [f for f in forms_of(page) if any(label == MAP for label, _, _ in f.buttons)]
    return form


def test_the_mapping_form_preselects_no_criterion(jo, app):
    add_evidence(jo, title="Referral write-up")
    page = jo.get(f"/portfolio/items/{item_id(app, 'Referral write-up')}")
    body = page.get_data(as_text=True)
    form = _map_form(page)
    # What the browser sends if the candidate presses the button without ticking anything: no criterion.
    assert [name for name, _ in form.fields if name == "criterion"] == []
    assert "<select" not in body.split('id="map"', 1)[1].split("</form>", 1)[0]
    assert len(re.findall(r'<input type="checkbox" name="criterion"', body)) >= 9

    pressed = jo.post(form.action, data=form.data(MAP))
    assert pressed.status_code == 422
    assert "Tick at least one criterion this item shows." in page_text(pressed)
    assert _mappings(app) == []


def test_the_form_shows_which_criteria_this_kind_of_evidence_cannot_show(jo, app):
    add_evidence(jo, "link", title="Photo of the careers board", url="https://school.example/board.jpg")
    text = page_text(jo.get(f"/portfolio/items/{item_id(app, 'Photo of the careers board')}"))
    assert (
        "M01.1.1 Holds an observed needs conversation Shown by workplace observation or competence sign-off: "
        "a link does not show this" in text
    )
    assert "M01.1.2 Refers learners to the PA with a rationale Shown by portfolio evidence M01.1.3" in text


def test_one_form_maps_an_item_to_three_criteria(jo, app):
    add_evidence(jo, title="Parents' evening plan", anonymised="y")
    item = item_id(app, "Parents' evening plan")
    done = map_to(jo, item, ["CCQ/M01.2.1", "CCQ/M01.2.2", "CCQ/M02.1.1"], "The plan and its letter.")
    assert "Mapped to M01.2.1, M01.2.2 and M02.1.1." in page_text(done)
    assert _mappings(app) == ["M01.2.1", "M01.2.2", "M02.1.1"]
    with app.app_context():
        notes = set(db.session.scalars(select(CriterionMapping.note)))
    assert notes == {"The plan and its letter."}
    events = audit_rows(app, "evidence_mapped")
    assert [(e["criterion"], e["module"]) for e in events] == [
        ("M01.2.1", "CCQ/M01"),
        ("M01.2.2", "CCQ/M01"),
        ("M02.1.1", "CCQ/M02"),
    ]
    # Mapped criteria are no longer offered; the rest still are, unticked.
    form = _map_form(jo.get(f"/portfolio/items/{item}"))
    assert [name for name, _ in form.fields if name == "criterion"] == []
    body = jo.get(f"/portfolio/items/{item}").get_data(as_text=True)
    assert '<input type="checkbox" name="criterion" id="criterion-CCQ-M01.2.1"' not in body
    assert '<input type="checkbox" name="criterion" id="criterion-CCQ-M01.1.2"' in body


def test_an_unknown_criterion_in_the_form_changes_nothing(jo, app):
    add_evidence(jo, title="Careers fair report")
    item = item_id(app, "Careers fair report")
    refused = map_to(jo, item, ["CCQ/M01.1.2", "CCQ/M06.1.1", "CCQ/M01.2.1"], "A note I typed", follow=False)
    assert refused.status_code == 422
    text = page_text(refused)
    assert "Nothing was mapped: M06.1.1 is not a criterion of a module you study." in text
    # What the candidate ticked and typed is kept on the page.
    body = refused.get_data(as_text=True)
    assert re.search(r'value="CCQ/M01\.1\.2"[^>]*checked', body)
    assert re.search(r'value="CCQ/M01\.2\.1"[^>]*checked', body)
    assert "A note I typed" in body
    assert _mappings(app) == []
    assert audit_rows(app, "evidence_mapped") == []


def test_the_gap_view_does_not_count_evidence_that_shows_no_allowed_method(jo, app):
    add_evidence(jo, "link", title="Photo of my needs conversation", url="https://school.example/photo.jpg")
    map_to(jo, item_id(app, "Photo of my needs conversation"), "CCQ/M01.1.1")  # observation or competence
    text = page_text(jo.get("/portfolio/modules/CCQ/M01"))
    assert "0 of 9 criteria have evidence that shows them by an allowed method; 0 met." in text
    assert "1 more has evidence mapped that shows it by no allowed method." in text
    card = text.split("M01.1.1 Holds an observed needs conversation", 1)[1].split("M01.1.2", 1)[0]
    assert (
        "Not shown by an allowed method What is mapped here (Link: Photo of my needs conversation) does not "
        "show this criterion by an allowed method." in card
    )
    assert "Ask your assessor, Tom Okafor, to plan an observation or to sign off your competence." in card
