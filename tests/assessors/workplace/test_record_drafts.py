"""Issue 11 (5): an observation record being written is kept as a draft on the server as the assessor types
(the date, what was seen, each criterion's judgement and comment), so it is there again on any device; an
older tab never writes over it; too much text, another assessor or a record already signed changes nothing;
signing spends the draft, and pressing Sign twice signs once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessors.workplace.models import Observation
from core.accounts.models import Role
from core.extensions import db
from portfolio.evidence.models import EvidenceItem
from tests.assessors.workplace.test_observations import TODAY, count, only_observation, plan, sign
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.drafts import drafts
from tests.support.evidence import audit_rows
from tests.support.html import (
    autosave,
    csrf_from,
    form_with,
    page_text,
    recovery_boxes,
    signed_in,
    textarea_text,
)
from tests.support.people import DEMO_PASSWORD, HELEN, JO, TOM, make_user, user_id

SIGN = "Sign the record"
SEEN = "Jo listened first, then **referred** the pupil to the careers adviser with a reason."
WRITING = {
    "observed_on": TODAY.isoformat(),
    "narrative_md": SEEN,
    "judgement_0": "met",
    "comment_0": "Clear.",
}


demo = demo_fixture(load_study_demo)


@pytest.fixture
def planned(demo):
    """Tom has planned an observation of Jo (M01.1.1 and M01.1.2); returns (tom, its page's url)."""
    tom = signed_in(demo, TOM)
    plan(tom, user_id(demo, JO))
    return tom, f"/assessors/observations/{only_observation(demo).id}"


def test_assessor_finds_the_record_as_autosaved_when_opening_it_again(demo, planned):
    tom, url = planned
    page = tom.get(url)
    assert 'data-autosave="server" data-autosave-version="draft_revision"' in page.get_data(as_text=True)

    saved = autosave(tom, page, SIGN, {**WRITING, "signed_name": "Tom Okafor", "anonymised": "y"})
    assert saved.status_code == 200
    assert saved.get_json() == {"ok": True, "draft_revision": 1}
    observation = only_observation(demo)
    ((key, fields, revision, _),) = drafts(demo)
    assert (key, revision) == (f"observation-record:{observation.id}", 1)
    assert fields["narrative_md"] == [SEEN]
    assert "signed_name" not in fields  # signing is done when signing, never kept
    assert "anonymised" not in fields
    assert observation.status == "planned"  # a draft, not a record

    on_another_device = signed_in(demo, TOM)
    again = on_another_device.get(url)
    assert textarea_text(again, "narrative_md") == SEEN
    assert textarea_text(again, "comment_0") == "Clear."
    held = dict(form_with(again, SIGN).fields)
    assert held["judgement_0"] == "met"
    assert held["observed_on"] == TODAY.isoformat()
    assert (held["signed_name"], "anonymised" in held) == ("", False)
    assert "Draft saved" in page_text(again)


def test_older_tab_does_not_write_over_the_newer_record_and_its_text_is_kept(demo, planned):
    tom, url = planned
    tab_a, tab_b = tom.get(url), tom.get(url)
    autosave(tom, tab_a, SIGN, WRITING)
    stale = autosave(tom, tab_b, SIGN, {**WRITING, "narrative_md": "An older account."})
    assert stale.status_code == 409
    assert drafts(demo)[0][1]["narrative_md"] == [SEEN]
    reloaded = tom.get(url)
    assert textarea_text(reloaded, "narrative_md") == SEEN
    assert "An older account." in recovery_boxes(reloaded)[0]


def test_assessor_cannot_autosave_too_much_text_and_nothing_changes(demo, planned):
    tom, url = planned
    page = tom.get(url)
    too_long = autosave(tom, page, SIGN, {**WRITING, "comment_1": "x" * 4_001})
    assert too_long.status_code == 422
    assert too_long.get_json() == {"ok": False, "errors": {"comment_1": "Keep this under 4,000 characters."}}
    assert drafts(demo) == []


def test_others_cannot_autosave_a_record_and_nothing_changes(demo, planned):
    tom, url = planned
    autosave(tom, tom.get(url), SIGN, WRITING)
    before = drafts(demo)
    record = f"{url}/record"
    headers = {"X-Requested-With": "fetch"}

    zed = "zed.assessor@northmoor.example"
    make_user(demo, zed, name="Zed Other", roles=(Role.ASSESSOR,), password=DEMO_PASSWORD)
    other = signed_in(demo, zed)
    data = {"csrf_token": csrf_from(other.get("/account").get_data(as_text=True)), "narrative_md": "Mine."}
    assert other.post(record, data=data, headers=headers).status_code == 404  # not his to know about
    # Helen, the cohort's IQA, reads the observation but does not assess Jo.
    helen = signed_in(demo, HELEN)
    data["csrf_token"] = csrf_from(helen.get(url).get_data(as_text=True))
    assert helen.post(record, data=data, headers=headers).status_code == 403
    # Jo sees her observation, but the record is the assessor's to write.
    jo = signed_in(demo, JO)
    data["csrf_token"] = csrf_from(jo.get(url).get_data(as_text=True))
    assert jo.post(record, data=data, headers=headers).status_code == 403
    assert drafts(demo) == before


def test_assessor_signs_from_the_draft_once_and_a_signed_record_takes_no_more_drafts(demo, planned):
    tom, url = planned
    autosave(tom, tom.get(url), SIGN, {**WRITING, "judgement_1": "not_yet_met", "comment_1": "Next time."})
    reopened = tom.get(url)  # the draft, as the page shows it the next morning
    form = form_with(reopened, SIGN)
    data = form.data(SIGN, {"anonymised": "y", "signed_name": "Tom Okafor"})

    first = tom.post(form.action, data=data)
    second = tom.post(form.action, data=data)  # the second click of a double click
    assert first.status_code == second.status_code == 302
    assert "The record was sent twice; it was signed once" in page_text(tom.get(second.headers["Location"]))
    observation = only_observation(demo)
    assert (observation.status, observation.narrative_md) == ("recorded", SEEN)
    assert count(demo, EvidenceItem) == 1
    assert len(audit_rows(demo, "observation_signed")) == 1
    ((_, _, revision, sent_as),) = drafts(demo)
    assert (revision, sent_as) == (2, observation.id)

    late = autosave(tom, reopened, SIGN, {**WRITING, "draft_revision": 2})
    assert late.status_code == 409
    assert "its record is no longer written" in late.get_json()["message"]
    assert drafts(demo)[0][2] == 2


def test_signing_still_works_without_any_draft(demo, planned):
    """Without JavaScript nothing is autosaved: the form is signed as it was sent."""
    tom, _ = planned
    shown = sign(tom, only_observation(demo).id)
    assert "Record signed." in page_text(shown)
    with demo.app_context():
        assert db.session.scalars(select(Observation.status)).one() == "recorded"
