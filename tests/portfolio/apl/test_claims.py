"""Claims for prior learning: the award's APL cap (with included awards), the evidence a claim needs, who
sees a claim. Claims are made through the claim form, as a candidate would."""

from __future__ import annotations

import functools
from datetime import date

import pytest
from sqlalchemy import select

from core.accounts.models import User
from core.audit.models import AuditEvent
from core.extensions import db
from core.notifications.models import Notification
from portfolio.apl.models import AplClaim
from portfolio.apl.services import award_module_codes, claim_credits
from qualification.cohorts.models import Cohort, CohortMember, MemberRole
from qualification.cohorts.services import create_cohort
from qualification.versions.queries import find_version
from qualification.versions.services import spec_of_version
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.html import page_text, press, signed_in
from tests.support.people import AISHA, JO, user_id
from tests.support.submissions import add_item, allocated_assessor

CERTIFICATE = {"certificate_title": "Level 6 Diploma in Career Guidance", "awarding_body": "OCR"}


demo = demo_fixture(load_study_demo)


def cohort_id(app, award: str = "CERT") -> int:
    with app.app_context():
        return db.session.scalar(select(Cohort.id).where(Cohort.award_code == award))


def claim_page(client, cohort: int, code: str):
    page = client.get(f"/portfolio/apl/new/{cohort}/{code}")
    assert page.status_code == 200
    return page


def claim(client, cohort: int, code: str, changes: dict, *, button: str = "Send to my assessor"):
    """Fill in and send the claim form; returns the response without following the redirect."""
    return press(client, claim_page(client, cohort, code), button, changes, follow=False)


def claims(app) -> list[tuple[str, str, int, str]]:
    with app.app_context():
        rows = db.session.scalars(select(AplClaim).order_by(AplClaim.id))
        return [(c.module_code, c.scope, c.credits, c.status) for c in rows]


# The cap of the award being studied ----------------------------------------------------------------------


def test_candidate_can_claim_a_module_within_the_cap_and_is_refused_over_it(demo):
    jo = signed_in(demo, JO)
    cert = cohort_id(demo)
    page = claim_page(jo, cert, "M01")
    assert "allows 30 credits by prior learning. You have 30 credits left" in page_text(page)

    first = claim(jo, cert, "M01", {"scope": "module", **CERTIFICATE})
    assert first.headers["Location"].startswith("/portfolio/apl/")
    shown = page_text(jo.get(first.headers["Location"]))
    assert "Your claim is with Tom Okafor, your assessor." in shown
    assert "you have 15 left" in shown
    assert claims(demo) == [("M01", "module", 15, "submitted")]

    # A draft uses none of the cap: 2 of M02's 8 criteria make 15 x 2 / 8 = 3.75, so 4 credits.
    draft = claim(
        jo,
        cert,
        "M02",
        {"scope": "criteria", "criteria": ["M02.1.1", "M02.2.1"], **CERTIFICATE},
        button="Save as a draft",
    )
    draft_url = draft.headers["Location"]
    assert "15 credits left" in page_text(claim_page(jo, cert, "M03"))

    second = claim(jo, cert, "M03", {"scope": "module", **CERTIFICATE})
    assert second.status_code == 302
    assert "You have 0 credits left" in page_text(claim_page(jo, cert, "M04"))

    third = claim(jo, cert, "M04", {"scope": "module", **CERTIFICATE})
    assert third.status_code == 422
    assert (
        "This claim is for 15 credits; the award allows 30 credits by APL and you have 0 left."
        in page_text(third)
    )
    # The draft, sent now, is over the cap as well.
    refused = press(jo, jo.get(draft_url), "Send to my assessor", follow=False)
    assert refused.status_code == 422
    assert (
        "This claim is for 4 credits; the award allows 30 credits by APL and you have 0 left."
        in page_text(refused)
    )
    assert claims(demo) == [
        ("M01", "module", 15, "submitted"),
        ("M02", "criteria", 4, "draft"),
        ("M03", "module", 15, "submitted"),
    ]
    assessor = allocated_assessor(demo)
    with demo.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("apl_%"))))
        assert actions.count("apl_claim_drafted") == 3
        assert actions.count("apl_claim_submitted") == 2
        notes = db.session.scalars(
            select(Notification).where(Notification.kind == "apl_claim_received")
        ).all()
        assert {db.session.get(User, n.user_id).email for n in notes} == {assessor}
        assert len(notes) == 2


def test_credits_claimed_for_an_included_awards_modules_count_towards_the_cap(demo):
    """The MA includes the PG Cert: PG Cert modules claimed in a PG Cert cohort use up the MA's cap of 90."""
    aisha_id = user_id(demo, AISHA)
    with demo.app_context():
        leader = db.session.scalar(select(User).where(User.email == "leader@northmoor.example"))
        version = find_version("CCQ")
        for award in ("PGCERT", "MA"):
            cohort = create_cohort(
                leader, name=f"{award} 2027", version=version, award_code=award, module_code=None,
                start_date=date(2027, 9, 1),
            )  # fmt: skip
            db.session.add(CohortMember(cohort_id=cohort.id, user_id=aisha_id, role=MemberRole.CANDIDATE))
        db.session.commit()
    aisha = signed_in(demo, AISHA)
    pgcert, ma = cohort_id(demo, "PGCERT"), cohort_id(demo, "MA")
    # Aisha has no assessor in these cohorts, so the button does not promise one.
    send = functools.partial(claim, button="Send for assessment")
    for code in ("M06", "M07"):
        assert send(aisha, pgcert, code, {"scope": "module", **CERTIFICATE}).status_code == 302
    assert "You have 0 credits left" in page_text(claim_page(aisha, pgcert, "M08"))

    page = claim_page(aisha, ma, "M14")
    assert "allows 90 credits by prior learning. You have 60 credits left" in page_text(page)
    # A module of an award the MA does not include is not claimable in the MA cohort.
    assert aisha.get(f"/portfolio/apl/new/{ma}/M01").status_code == 404
    assert send(aisha, ma, "M14", {"scope": "module", **CERTIFICATE}).status_code == 302
    over = send(aisha, ma, "M13", {"scope": "module", **CERTIFICATE})
    assert over.status_code == 422
    assert (
        "This claim is for 15 credits; the award allows 90 credits by APL and you have 0 left."
        in page_text(over)
    )
    listing = page_text(aisha.get("/portfolio/apl"))
    assert "up to 90 credits by prior learning; 0 left" in listing
    assert [c[:3] for c in claims(demo)] == [
        ("M06", "module", 15),
        ("M07", "module", 15),
        ("M14", "module", 60),
    ]


# What a claim needs -------------------------------------------------------------------------------------


def test_candidate_cannot_claim_without_a_certificate_or_experience_with_evidence(demo):
    jo = signed_in(demo, JO)
    cert = cohort_id(demo)
    response = claim(jo, cert, "M01", {"scope": "module", "experience": "I ran the careers fair for years."})
    assert response.status_code == 422
    assert "or describe your experience and choose at least one evidence item" in page_text(response)
    title_only = claim(jo, cert, "M01", {"scope": "module", "certificate_title": "A diploma"})
    assert title_only.status_code == 422
    assert claims(demo) == []


def test_candidate_can_claim_an_outcome_from_experience_with_evidence(demo):
    item = add_item(demo, JO, "Careers fair 2024 report")
    jo = signed_in(demo, JO)
    response = claim(
        jo,
        cohort_id(demo),
        "M01",
        {
            "scope": "outcome",
            "outcome": "M01.2",
            "experience": "I have led the school's careers programme since 2019.",
            "own_part": "I wrote the plan; the head of year ran the assemblies.",
            "evidence": [item],
        },
    )
    assert response.status_code == 302
    shown = page_text(jo.get(response.headers["Location"]))
    assert "Careers fair 2024 report (version 1)" in shown
    assert "M01.2.1, M01.2.2" in shown
    # Two of M01's nine criteria: 15 x 2 / 9 = 3.3, so 3 credits.
    assert claims(demo) == [("M01", "outcome", 3, "submitted")]


def test_candidate_cannot_claim_the_same_criteria_twice(demo):
    jo = signed_in(demo, JO)
    cert = cohort_id(demo)
    claim(jo, cert, "M01", {"scope": "criteria", "criteria": ["M01.1.1"], **CERTIFICATE})
    again = claim(jo, cert, "M01", {"scope": "module", **CERTIFICATE})
    assert again.status_code == 422
    assert "You have already claimed M01.1.1." in page_text(again)


def test_candidate_cannot_use_another_candidates_evidence(demo):
    theirs = add_item(demo, "candidate2@school.example", "Chris's report")
    jo = signed_in(demo, JO)
    response = claim(
        jo, cohort_id(demo), "M01", {"scope": "module", "experience": "Years of it.", "evidence": [theirs]}
    )
    assert response.status_code == 422
    assert claims(demo) == []


# Who sees a claim ---------------------------------------------------------------------------------------


def test_allocated_assessor_can_view_a_claim_and_other_candidates_cannot(demo):
    jo = signed_in(demo, JO)
    cert = cohort_id(demo)
    url = claim(jo, cert, "M01", {"scope": "module", **CERTIFICATE}).headers["Location"]
    page = signed_in(demo, allocated_assessor(demo)).get(url)
    assert page.status_code == 200
    assert "Level 6 Diploma in Career Guidance, OCR" in page_text(page)
    assert signed_in(demo, "candidate2@school.example").get(url).status_code == 404
    # A candidate outside the cohort cannot open its claim form.
    assert signed_in(demo, AISHA).get(f"/portfolio/apl/new/{cert}/M01").status_code == 404


# Rules as tables ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credits", "scope", "claimed", "total", "expected"),
    [(15, "module", 9, 9, 15), (15, "criteria", 3, 9, 5), (15, "criteria", 2, 8, 4), (15, "outcome", 2, 9, 3),
     (60, "criteria", 1, 5, 12), (15, "criteria", 1, 2, 8)],
)  # fmt: skip
def test_claim_credits(credits, scope, claimed, total, expected):
    assert claim_credits(credits, scope, claimed, total) == expected


def test_award_modules_include_those_of_included_awards(demo):
    with demo.app_context():
        spec = spec_of_version(find_version("CCQ"))
        assert award_module_codes(spec, "CERT") == ["M01", "M02", "M03", "M04", "M05"]
        ma = award_module_codes(spec, "MA")
        assert set(ma) == {"M13", "M14", "M09", "M10", "M11", "M12", "M06", "M07", "M08"}
