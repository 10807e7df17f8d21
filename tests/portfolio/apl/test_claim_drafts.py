"""Issue 11 (5): a claim being written is kept as a draft on the server as it is typed, like a reflection: it
comes back after a closed laptop or an expired session, an older tab never writes over a newer draft (its
text is kept beside it), too much text or someone else's claim changes nothing, and sending the claim spends
the draft, so pressing the button twice makes one claim."""

from __future__ import annotations

from sqlalchemy import select, update

from core.accounts.models import LoginSession
from core.db.timeutil import utcnow
from core.extensions import db
from portfolio.apl.models import AplClaim
from tests.portfolio.apl.test_claims import CERTIFICATE, claim_page, claims, cohort_id
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.drafts import drafts
from tests.support.html import (
    autosave,
    csrf_from,
    form_with,
    login,
    page_text,
    press,
    recovery_boxes,
    signed_in,
    textarea_text,
)
from tests.support.people import AISHA, CHRIS, DEMO_PASSWORD, JO

SEND = "Send to my assessor"
EXPERIENCE = "I have run the careers programme since 2019: <b>fairs</b> & one-to-one interviews."
OLDER = "Typed in the other tab, before the newer draft."


demo = demo_fixture(load_study_demo)


def revision_on(page) -> str:
    return dict(form_with(page, SEND).fields)["draft_revision"]


def typed(**changes):
    """What the claim form holds after typing: a certificate claim for the whole module, with experience."""
    return {"scope": "module", "experience": EXPERIENCE, **CERTIFICATE, **changes}


# Saved as it is typed, and found again -------------------------------------------------------------------


def test_candidate_can_reload_the_claim_form_and_find_what_was_autosaved(demo):
    jo, cert = signed_in(demo, JO), cohort_id(demo)
    page = claim_page(jo, cert, "M01")
    assert revision_on(page) == "0"
    assert 'data-autosave="server"' in page.get_data(as_text=True)

    saved = autosave(jo, page, SEND, typed())
    assert saved.status_code == 200
    assert saved.get_json() == {"ok": True, "draft_revision": 1}
    ((key, fields, revision, sent_as),) = drafts(demo)
    assert (key, revision, sent_as) == (f"apl-claim:new:{cert}:M01", 1, None)
    assert fields["experience"] == [EXPERIENCE]
    assert claims(demo) == []  # a draft of the form, not a claim

    again = claim_page(jo, cert, "M01")
    assert textarea_text(again, "experience") == EXPERIENCE
    assert 'value="Level 6 Diploma in Career Guidance"' in again.get_data(as_text=True)
    assert revision_on(again) == "1"
    assert "Draft saved" in page_text(again)


def test_candidate_finds_the_draft_after_the_session_expired_and_signing_in_again(demo):
    jo, cert = signed_in(demo, JO), cohort_id(demo)
    page = claim_page(jo, cert, "M01")
    autosave(jo, page, SEND, typed())
    with demo.app_context():
        db.session.execute(update(LoginSession).values(expires_at=utcnow()))
        db.session.commit()
    # The laptop was closed overnight: the next background save finds the session gone and saves nothing.
    refused = autosave(jo, page, SEND, typed(experience=EXPERIENCE + " More."))
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/login")
    assert drafts(demo)[0][1]["experience"] == [EXPERIENCE]

    login(jo, JO, DEMO_PASSWORD)
    assert textarea_text(claim_page(jo, cert, "M01"), "experience") == EXPERIENCE


# An older tab never writes over a newer draft -------------------------------------------------------------


def test_older_tab_is_refused_and_its_text_kept_beside_the_newer_draft(demo):
    jo, cert = signed_in(demo, JO), cohort_id(demo)
    tab_a = claim_page(jo, cert, "M01")
    tab_b = claim_page(jo, cert, "M01")  # both at revision 0
    assert autosave(jo, tab_a, SEND, typed()).status_code == 200

    stale = autosave(jo, tab_b, SEND, typed(experience=OLDER))
    assert stale.status_code == 409
    assert stale.get_json()["ok"] is False
    assert "changed in another tab or device first" in stale.get_json()["message"]
    ((_, fields, revision, _),) = drafts(demo)
    assert (fields["experience"], revision) == ([EXPERIENCE], 1)  # the newer draft is kept

    reloaded = claim_page(jo, cert, "M01")
    assert textarea_text(reloaded, "experience") == EXPERIENCE
    (kept,) = recovery_boxes(reloaded)
    assert "not saved over the newer draft" in kept
    assert OLDER in kept


def test_sending_an_older_tab_is_refused_with_both_texts_shown_then_sent_when_pressed_again(demo):
    jo, cert = signed_in(demo, JO), cohort_id(demo)
    tab_a = claim_page(jo, cert, "M01")
    tab_b = claim_page(jo, cert, "M01")
    autosave(jo, tab_a, SEND, typed())

    refused = press(jo, tab_b, SEND, typed(experience=OLDER), follow=False)
    assert refused.status_code == 409
    text = page_text(refused)
    assert "changed in another tab or device after you opened it, so nothing was sent" in text
    newer = text.split("The newer draft", 1)[1].split("What are you claiming?", 1)[0]
    assert f"Your experience {EXPERIENCE}" in newer
    assert textarea_text(refused, "experience") == OLDER  # what this tab typed stays in its form
    assert claims(demo) == []

    sent = press(jo, refused, SEND, follow=False)  # the form now names the newer revision
    assert sent.status_code == 302
    with demo.app_context():
        claim = db.session.scalars(select(AplClaim)).one()
        assert (claim.experience_md, claim.status) == (OLDER, "submitted")


# Bad input and someone else's form change nothing ---------------------------------------------------------


def test_candidate_cannot_autosave_too_much_text_and_nothing_changes(demo):
    jo, cert = signed_in(demo, JO), cohort_id(demo)
    page = claim_page(jo, cert, "M01")
    autosave(jo, page, SEND, typed())
    before = drafts(demo)

    too_long = autosave(jo, page, SEND, typed(experience="x" * 20_001, draft_revision=1))
    assert too_long.status_code == 422
    assert too_long.get_json() == {
        "ok": False,
        "errors": {"experience": "Keep this under 20,000 characters."},
    }
    assert drafts(demo) == before


def test_others_cannot_autosave_into_a_claim_form_or_claim_not_theirs(demo):
    jo, cert = signed_in(demo, JO), cohort_id(demo)
    sent = press(jo, claim_page(jo, cert, "M01"), "Save as a draft", typed(), follow=False)
    claim_id = int(sent.headers["Location"].rsplit("/", 1)[1])
    before = drafts(demo)

    # Aisha is in no cohort: the cohort's claim form is not hers to know about.
    aisha = signed_in(demo, AISHA)
    token = csrf_from(aisha.get("/account").get_data(as_text=True))
    data = {"csrf_token": token, "draft_revision": "0", "experience": "Mine now."}
    headers = {"X-Requested-With": "fetch"}
    assert aisha.post(f"/portfolio/apl/new/{cert}/M01", data=data, headers=headers).status_code == 404
    # Chris is in Jo's cohort, but her claim is hers.
    chris = signed_in(demo, CHRIS)
    data["csrf_token"] = csrf_from(chris.get("/account").get_data(as_text=True))
    assert chris.post(f"/portfolio/apl/{claim_id}/edit", data=data, headers=headers).status_code == 404
    assert chris.get(f"/portfolio/apl/{claim_id}/edit").status_code == 404
    assert drafts(demo) == before
    with demo.app_context():
        assert db.session.get(AplClaim, claim_id).experience_md == EXPERIENCE


# Sending spends the draft --------------------------------------------------------------------------------


def test_candidate_sends_the_draft_and_a_double_click_makes_one_claim(demo):
    jo, cert = signed_in(demo, JO), cohort_id(demo)
    page = claim_page(jo, cert, "M01")
    autosave(jo, page, SEND, typed())
    reloaded = claim_page(jo, cert, "M01")  # the draft, as the form shows it after the laptop was closed
    form = form_with(reloaded, SEND)
    data = form.data(SEND)

    first = jo.post(form.action, data=data)
    second = jo.post(form.action, data=data)  # the second click of a double click
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert claims(demo) == [("M01", "module", 15, "submitted")]
    with demo.app_context():
        claim = db.session.scalars(select(AplClaim)).one()
        assert claim.experience_md == EXPERIENCE  # made from the draft the page held
    shown = page_text(jo.get(second.headers["Location"]))
    assert "The form was sent twice; it was acted on once." in shown
    ((_, _, revision, sent_as),) = drafts(demo)
    assert (revision, sent_as) == (2, claim.id)

    # The draft is spent: the form opens empty for another claim.
    fresh = claim_page(jo, cert, "M01")
    assert textarea_text(fresh, "experience") == ""
    assert revision_on(fresh) == "2"


def test_double_click_on_send_for_a_draft_claim_sends_it_once(demo):
    jo, cert = signed_in(demo, JO), cohort_id(demo)
    saved = press(jo, claim_page(jo, cert, "M01"), "Save as a draft", typed(), follow=False)
    shown = jo.get(saved.headers["Location"])
    first = press(jo, shown, SEND, follow=False)
    second = press(jo, shown, SEND, follow=False)
    assert first.status_code == second.status_code == 302
    assert "The form was sent twice; it was acted on once." in page_text(jo.get(second.headers["Location"]))
    assert claims(demo) == [("M01", "module", 15, "submitted")]
