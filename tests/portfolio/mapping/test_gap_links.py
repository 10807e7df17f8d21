"""The gap view's "still needed" entries lead to what fills them (issue 11, section 3): evidence the candidate
adds themselves links to the add page with the kind chosen and the criterion carried along; what only the
assessor can back says whom to ask, with a link to the candidate's observations page."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from core.extensions import db
from modules.catalogue.models import AssessmentMethod
from portfolio.evidence.models import CriterionMapping
from portfolio.mapping.rules import ADD_KIND, ask_assessor
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.evidence import LAST_WEEK, audit_rows
from tests.support.html import page_text, press, signed_in_fixture
from tests.support.people import JO

M = AssessmentMethod


demo = demo_fixture(load_study_demo)
jo = signed_in_fixture(JO)


def _card(client, ref: str, code: str = "M01") -> str:
    body = client.get(f"/portfolio/modules/CCQ/{code}").get_data(as_text=True)
    match = re.search(rf'<div class="card" id="criterion-{re.escape(ref)}">(.*?)</div>', body, re.S)
    assert match, f"no card for {ref}"
    return match.group(1)


def _links(card: str) -> dict[str, str]:
    """The links of a card: text -> address."""
    return {
        re.sub(r"\s+", " ", text).strip(): html.unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', card, re.S)
    }


def _mapped(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(CriterionMapping.criterion_ref)))


def test_a_reflective_account_still_needed_links_to_writing_one_for_that_criterion(jo, app):
    links = _links(_card(jo, "M01.1.3"))
    assert links["a reflective account"] == "/portfolio/new?kind=account&criterion=CCQ/M01.1.3"

    page = jo.get(links["a reflective account"])
    assert page.status_code == 200
    text = page_text(page)
    assert "Add written account" in text
    assert (
        "You are adding this for M01.1.3 Reflects on impartiality and on reluctant learners "
        "(shown by reflective account): when you add it, it is mapped to that criterion." in text
    )
    data = {
        "title": "On impartiality",
        "activity_date": LAST_WEEK,
        "context_md": "Year 11.",
        "body_md": "What I learnt about reluctant learners.",
    }
    added = press(jo, page, "Add to portfolio", data)
    assert "Added “On impartiality” to your portfolio, mapped to M01.1.3." in page_text(added)
    assert _mapped(app) == ["M01.1.3"]
    [event] = audit_rows(app, "evidence_mapped")
    assert event["criterion"] == "M01.1.3"
    assert "Still needed" not in _card(jo, "M01.1.3")


def test_portfolio_evidence_still_needed_links_to_choosing_a_kind_for_that_criterion(jo, app):
    links = _links(_card(jo, "M01.1.2"))
    assert links["portfolio evidence"] == "/portfolio/new?criterion=CCQ/M01.1.2"
    page = jo.get(links["portfolio evidence"])
    text = page_text(page)
    assert "What kind of evidence is it?" in text
    assert "You are adding evidence for M01.1.2 Refers learners to the PA with a rationale" in text
    kinds = _links(page.get_data(as_text=True).split("What kind of evidence is it?", 1)[1])
    assert kinds["Link"] == "/portfolio/new?kind=link&criterion=CCQ/M01.1.2"


def test_adding_from_an_old_link_to_a_criterion_not_studied_adds_without_mapping(jo, app):
    page = jo.get("/portfolio/new?kind=account&criterion=CCQ/M06.1.1")
    assert "You are adding this for" not in page_text(page)
    data = {"title": "Leadership notes", "activity_date": LAST_WEEK, "context_md": "x", "body_md": "y"}
    added = press(jo, page, "Add to portfolio", data)
    assert "Now map it to the criteria it shows." in page_text(added)
    assert _mapped(app) == []


def test_an_observation_still_needed_says_whom_to_ask_and_links_to_the_observations_page(jo, app):
    card = _card(jo, "M01.1.1")  # workplace observation or competence sign-off
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", card))
    assert "Ask your assessor, Tom Okafor, to plan an observation or to sign off your competence." in text
    links = _links(card)
    assert links["Your observations and sign-offs"] == "/assessors/workplace"
    assert "observation still to be planned" not in links  # nothing for the candidate to add
    assert jo.get("/assessors/workplace").status_code == 200

    observed_only = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", _card(jo, "M03.4.2", "M03")))
    assert "Ask your assessor, Tom Okafor, to plan an observation. Your observations and sign-offs" in (
        observed_only
    )


def test_the_kind_to_add_for_each_method():
    assert ADD_KIND[M.REFLECTIVE_ACCOUNT] == "account"
    assert ADD_KIND[M.PROFESSIONAL_DISCUSSION] == "discussion"
    assert ADD_KIND[M.PORTFOLIO] == ""  # any kind: the candidate chooses
    assert M.OBSERVATION not in ADD_KIND
    assert M.COMPETENCE not in ADD_KIND
    assert (
        ask_assessor([M.COMPETENCE], "Tom Okafor")
        == "Ask your assessor, Tom Okafor, for a competence sign-off."
    )
    assert ask_assessor([M.OBSERVATION], None) == (
        "No assessor is allocated to you yet: once one is, ask them to plan an observation."
    )
    assert ask_assessor([M.PORTFOLIO, M.REFLECTIVE_ACCOUNT], "Tom Okafor") == ""
