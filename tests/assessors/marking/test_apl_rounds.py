"""An APL claim sent again after "more evidence" is a second round: the candidate changes the claim (adds
evidence, says more, gives the certificate's level), and the assessor's page for round 2 shows round 1's
decision, its reasons and what changed in the claim since, the way a resubmission shows attempt 1."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assessors.marking.models import Assessment
from core.audit.models import AuditEvent
from core.extensions import db
from portfolio.apl.models import AplClaim, AplEvidence
from tests.portfolio.apl.test_claims import cohort_id
from tests.support import marking as ms
from tests.support.html import page_text, press, signed_in, textarea_text
from tests.support.people import JO, TOM
from tests.support.submissions import add_item

ACTION = "Send the certificate itself, and say what you did at the careers fair."
NOT_SUFFICIENT = "Not yet: the certificate itself is missing."
EXPERIENCE = "I ran the careers fair for three years: 40 employers, every Year 10 pupil."
CHANGE = "Add evidence or change this claim"


@pytest.fixture
def demo(app):
    ms.load_marking_demo(app)
    return app


def _start(app, tom, claim_id: int) -> int:
    """Tom presses the claim's Start button on his queue; returns the round it opened."""
    form = ms.start_form(tom.get("/assessors/queue"), f"/assessors/claims/{claim_id}/start")
    opened = tom.post(form.action, data=form.data(form.buttons[0][0]))
    assert opened.status_code == 302
    return int(opened.headers["Location"].rsplit("/", 1)[1])


def _more_evidence(app, jo, tom) -> tuple[int, int]:
    """Jo claims M02.1.1 from a diploma; Tom asks for more evidence with his reasons and releases it."""
    claim_id = ms.send_apl_claim(app, jo)
    first = _start(app, tom, claim_id)
    decided = ms.judgement("not_yet_met", refs=["M02.1.1"], decision="more_evidence", action=ACTION)
    decided |= {
        "feedback_md": "A relevant diploma; I need to see it.",
        "vacs_valid_note": "A level 6 diploma in careers guidance.",
        "vacs_authentic_note": "Cannot tell without the certificate.",
        "vacs_current_note": "Awarded in 2024.",
        "vacs_sufficient_note": NOT_SUFFICIENT,
        "vacs_sufficient": "no",
    }
    completed = ms.judge(tom, first, "Complete marking", decided)
    assert completed.status_code == 302
    ms.release_all(tom)
    return claim_id, first


def _sent_again(app, jo, claim_id: int, item: int):
    """Jo opens her claim, changes it (evidence, experience, the level) and sends it again."""
    shown = jo.get(f"/portfolio/apl/{claim_id}")
    assert CHANGE in page_text(shown)
    edit_url = re.search(r'href="(/portfolio/apl/\d+/edit)"', shown.get_data(as_text=True)).group(1)
    page = jo.get(edit_url)
    assert 'value="Diploma"' in page.get_data(as_text=True)  # opened with the claim as it is
    changes = {"experience": EXPERIENCE, "evidence": [item], "certificate_level": "6"}
    return press(jo, page, "Send to my assessor", changes, follow=False)


def test_assessor_sees_round_1_decision_reasons_and_what_changed_on_round_2(demo):
    jo, tom = signed_in(demo, JO), signed_in(demo, TOM)
    item = add_item(demo, JO, "Careers fair 2024 report")
    claim_id, first = _more_evidence(demo, jo, tom)

    sent = _sent_again(demo, jo, claim_id, item)
    assert sent.status_code == 302
    assert "Your claim is with Tom Okafor, your assessor." in page_text(jo.get(sent.headers["Location"]))
    with demo.app_context():
        claim = db.session.get(AplClaim, claim_id)
        assert (claim.status, claim.experience_md, claim.certificate_level) == ("submitted", EXPERIENCE, 6)
        assert [e.version.title for e in claim.evidence] == ["Careers fair 2024 report"]
        changed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "apl_claim_changed")).one()
        assert '"certificate_level"' in changed.details_json

    second = _start(demo, tom, claim_id)
    assert second != first
    page = tom.get(f"/assessors/assessments/{second}")
    text = page_text(page)
    assert "M02 APL claim, round 2: Jo Patel" in text
    last = text.split("Round 1: the last decision", 1)[1].split("Criteria M02.1.1", 1)[0]
    assert "Decision More evidence needed" in last
    assert "Feedback given A relevant diploma; I need to see it." in last
    assert f"What the candidate was asked to do {ACTION}" in last
    assert f"Sufficient No: {NOT_SUFFICIENT}" in last
    assert "Authentic Yes: Cannot tell without the certificate." in last
    changed = last.split("What changed in the claim since round 1", 1)[1]
    assert "Changed Level: now 6, was (none)" in changed
    assert "Changed Experience: see the claim below." in changed
    assert "Added Careers fair 2024 report (for M02.1.1)" in changed
    # Beside the criterion: how round 1 judged it, with the assessor's comment.
    assert "Round 1: Not yet met: Comment on M02.1.1." in text
    # Round 2 judges the claim afresh: nothing is offered to carry forward.
    assert "Carry forward" not in text

    assert "Changed since" not in text  # round 2 judges the claim as it is
    # Round 1's page has no earlier round, and says its claim has changed since it was judged.
    round_1 = page_text(tom.get(f"/assessors/assessments/{first}"))
    said = "Changed since This is the claim as it stands now: the candidate changed it after round 1 began"
    assert "the last decision" not in round_1
    assert said in round_1
    with demo.app_context():
        rounds = db.session.scalars(
            select(Assessment.round).where(Assessment.apl_claim_id == claim_id).order_by(Assessment.round)
        ).all()
        assert rounds == [1, 2]


def test_round_2_of_an_unchanged_claim_says_nothing_changed(demo):
    jo, tom = signed_in(demo, JO), signed_in(demo, TOM)
    claim_id, _ = _more_evidence(demo, jo, tom)
    press(jo, jo.get(f"/portfolio/apl/{claim_id}"), "Send to my assessor")  # sent again as it was
    second = _start(demo, tom, claim_id)
    text = page_text(tom.get(f"/assessors/assessments/{second}"))
    assert "Round 1: the last decision" in text
    assert "What changed in the claim since round 1 Nothing: the same details and the same evidence" in text


def test_candidate_cannot_change_a_claim_with_the_assessor_and_nothing_changes(demo):
    jo = signed_in(demo, JO)
    claim_id = ms.send_apl_claim(demo, jo)  # submitted: with Tom now
    shown = jo.get(f"/portfolio/apl/{claim_id}")
    assert CHANGE not in page_text(shown)
    assert "Change this claim" not in page_text(shown)
    redirected = jo.get(f"/portfolio/apl/{claim_id}/edit", follow_redirects=True)
    assert "cannot be changed now" in page_text(redirected)

    # A change form opened while it was a draft, sent after it went to the assessor: refused, text kept.
    draft = press(
        jo,
        jo.get(f"/portfolio/apl/new/{cohort_id(demo)}/M03"),
        "Save as a draft",
        {"scope": "module", "certificate_title": "Diploma", "awarding_body": "OCR"},
        follow=False,
    )
    draft_id = int(draft.headers["Location"].rsplit("/", 1)[1])
    form_page = jo.get(f"/portfolio/apl/{draft_id}/edit")
    press(jo, jo.get(f"/portfolio/apl/{draft_id}"), "Send to my assessor")
    refused = press(jo, form_page, "Save changes", {"experience": EXPERIENCE}, follow=False)
    assert refused.status_code == 409
    assert "it can be changed only as a draft or when more evidence is asked for" in page_text(refused)
    assert textarea_text(refused, "experience") == EXPERIENCE
    with demo.app_context():
        assert db.session.get(AplClaim, draft_id).experience_md == ""
        assert db.session.scalars(select(AplEvidence)).all() == []
