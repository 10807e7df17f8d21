"""Workplace observations, as the assessor and the candidate use them: plan, see, record and sign (the record
becomes evidence), acknowledge; who may not; bad input changes nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import func, select

from assessors.workplace.models import Observation, ObservedCriterion
from assessors.workplace.services.observations import record_fields
from core.accounts.models import Role
from core.audit.services import verify_chain
from core.db.timeutil import UK
from core.extensions import db
from core.notifications.models import Notification
from portfolio.evidence.models import CriterionMapping, EvidenceItem
from portfolio.evidence.services import Content, content_hash
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.evidence import audit_rows
from tests.support.html import csrf_from, form_with, has_button, page_text, press, signed_in
from tests.support.people import CHRIS, DEMO_PASSWORD, JO, TOM, make_user, user_id

TODAY = datetime.now(UK).date()
NEXT_WEEK = (TODAY + timedelta(days=7)).isoformat()


demo = demo_fixture(load_study_demo)


def plan_url(jo: int, module: str = "M01") -> str:
    return f"/assessors/candidates/{jo}/modules/CCQ/{module}/observations/new"


def plan(client, jo: int, *, criteria=("M01.1.1", "M01.1.2"), when=NEXT_WEEK, follow=True, **changes):
    """On the plan page, fill in the date, focus and criteria and press "Plan the observation"."""
    page = client.get(plan_url(jo))
    assert page.status_code == 200
    data = {"planned_for": when, "focus_md": "A careers guidance interview with a Year 11 pupil.", **changes}
    data["criteria"] = list(criteria)
    return press(client, page, "Plan the observation", data, follow=follow)


def only_observation(app) -> Observation:
    with app.app_context():
        observation = db.session.scalars(select(Observation)).one()
        db.session.expunge(observation)
        return observation


def sign(client, observation_id: int, *, follow=True, **changes):
    """On the observation page, write up, judge each criterion and press "Sign the record"."""
    page = client.get(f"/assessors/observations/{observation_id}")
    data = {
        "observed_on": TODAY.isoformat(),
        "narrative_md": "Jo ran the interview calmly and **referred** the pupil on.",
        "judgement_0": "met",
        "comment_0": "Clear referral.",
        "judgement_1": "not_yet_met",
        "comment_1": "No follow-up plan yet.",
        "anonymised": "y",
        "signed_name": "tom okafor",
        **changes,
    }
    return press(client, page, "Sign the record", data, follow=follow)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_assessor_can_plan_an_observation_and_the_candidate_sees_it(demo):
    tom, jo = signed_in(demo, TOM), user_id(demo, JO)
    workplace = tom.get(f"/assessors/candidates/{jo}/workplace")
    assert "Jo Patel: workplace assessment" in page_text(workplace)
    form_page = tom.get(plan_url(jo))
    assert 'value="Hollins Park Academy"' in form_page.get_data(as_text=True)  # the cohort's school

    shown = plan(tom, jo)
    assert "Observation planned. Jo Patel has been told." in page_text(shown)
    observation = only_observation(demo)
    assert (observation.status, observation.refs, observation.school) == (
        "planned",
        ["M01.1.1", "M01.1.2"],
        "Hollins Park Academy",
    )
    assert [r["refs"] for r in audit_rows(demo, "observation_planned")] == [["M01.1.1", "M01.1.2"]]
    with demo.app_context():
        note = db.session.scalars(
            select(Notification).where(Notification.kind == "observation_planned")
        ).one()
        assert note.user_id == jo
        assert note.link.endswith(f"/assessors/observations/{observation.id}")

    candidate = signed_in(demo, JO)
    assert "Workplace assessment" in page_text(candidate.get("/portfolio/"))
    mine = page_text(candidate.get("/assessors/workplace"))
    assert "M01" in mine
    assert "Hollins Park Academy Planned" in mine
    page = page_text(candidate.get(f"/assessors/observations/{observation.id}"))
    assert "A careers guidance interview with a Year 11 pupil." in page
    assert "Sign the record" not in page  # the candidate sees the plan, not the assessor's form


def test_assessor_cannot_plan_without_criteria_or_in_the_past(demo):
    tom, jo = signed_in(demo, TOM), user_id(demo, JO)
    none = plan(tom, jo, criteria=(), follow=False)
    assert none.status_code == 422
    assert "Choose at least one criterion to observe." in page_text(none)
    past = plan(tom, jo, when=(TODAY - timedelta(days=1)).isoformat(), follow=False)
    assert past.status_code == 422
    assert "cannot be in the past" in page_text(past)
    blank = plan(tom, jo, focus_md="", follow=False)
    assert blank.status_code == 422
    assert count(demo, Observation) == 0
    assert count(demo, Notification) == 0


def test_assessor_cannot_sign_with_another_name_and_nothing_changes(demo):
    tom, jo = signed_in(demo, TOM), user_id(demo, JO)
    plan(tom, jo)
    observation = only_observation(demo)
    refused = sign(tom, observation.id, signed_name="Helen Marsh", follow=False)
    assert refused.status_code == 422
    assert "Type your full name exactly as it is on your account to sign." in page_text(refused)
    unticked = sign(tom, observation.id, anonymised="", judgement_1="", follow=False)
    assert unticked.status_code == 422
    assert "Choose met or not yet met for M01.1.2." in page_text(unticked)
    assert only_observation(demo).status == "planned"
    assert count(demo, EvidenceItem) == 0
    assert count(demo, ObservedCriterion) == 0
    assert audit_rows(demo, "observation_signed") == []


def test_assessor_can_record_and_sign_and_the_record_becomes_evidence(demo):
    tom, jo = signed_in(demo, TOM), user_id(demo, JO)
    plan(tom, jo)
    observation = only_observation(demo)
    signed = sign(tom, observation.id)
    assert "Record signed." in page_text(signed)
    assert "Signed by tom okafor" in page_text(signed)  # the signature as typed

    with demo.app_context():
        observation = db.session.get(Observation, observation.id)
        canonical = json.dumps(record_fields(observation), sort_keys=True, separators=(",", ":"))
        assert observation.status == "recorded"
        assert observation.record_hash == hashlib.sha256(canonical.encode()).hexdigest()
        assert [(c.criterion_ref, c.judgement) for c in observation.criteria] == [
            ("M01.1.1", "met"),
            ("M01.1.2", "not_yet_met"),
        ]
        item = db.session.get(EvidenceItem, observation.item_id)
        version = item.current
        assert (item.candidate_id, item.kind, item.anonymised_at is not None) == (jo, "observation", True)
        assert version.title == f"Observation: M01 {TODAY.strftime('%-d %B %Y')}"
        assert observation.record_hash in version.body_md
        content = Content(version.title, version.activity_date, "", version.body_md, None, None, None)
        assert version.content_hash == content_hash("observation", content)
        mapped = db.session.scalars(select(CriterionMapping).where(CriterionMapping.item_id == item.id)).all()
        assert sorted(m.criterion_ref for m in mapped) == ["M01.1.1", "M01.1.2"]
        record_hash, item_id = observation.record_hash, item.id
        assert verify_chain()[1] == []
    for action in ("observation_recorded", "observation_signed"):
        assert [r["record_hash"] for r in audit_rows(demo, action)] == [record_hash]

    candidate = signed_in(demo, JO)
    evidence = page_text(candidate.get(f"/portfolio/items/{item_id}"))
    assert "Observation record" in evidence
    assert "Jo ran the interview calmly" in evidence
    # The record is signed once: the form is gone, and a replayed POST is refused with nothing changed.
    page = tom.get(f"/assessors/observations/{observation.id}")
    assert not has_button(page, "Sign the record")
    replay = tom.post(
        f"/assessors/observations/{observation.id}/record",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "version": "2",
            "observed_on": TODAY.isoformat(),
            "narrative_md": "Changed afterwards.",
            "judgement_0": "met",
            "judgement_1": "met",
            "anonymised": "y",
            "signed_name": "Tom Okafor",
        },
    )
    assert replay.status_code == 409
    assert only_observation(demo).record_hash == record_hash
    assert count(demo, EvidenceItem) == 1


def _signed_and_commented(demo):
    """Tom plans and signs an observation of Jo; Jo adds a comment only. (Tom, the observation, Jo's
    browser, the page after her comment.)"""
    tom, jo = signed_in(demo, TOM), user_id(demo, JO)
    plan(tom, jo)
    observation = only_observation(demo)
    sign(tom, observation.id)
    candidate = signed_in(demo, JO)
    page = candidate.get(f"/assessors/observations/{observation.id}")
    commented = press(candidate, page, "Add my comment only", {"comment": "The pupil had asked for it."})
    return tom, observation, candidate, commented


def test_candidate_can_comment_then_acknowledge_the_record(demo):
    _tom, observation, candidate, commented = _signed_and_commented(demo)
    assert "Your comment was added" in page_text(commented)
    assert only_observation(demo).status == "recorded"
    done = press(candidate, commented, "Acknowledge", {"comment": "Agreed otherwise."})
    assert "you acknowledged the observation record" in page_text(done)
    observation = only_observation(demo)
    assert observation.status == "acknowledged"
    assert "The pupil had asked for it." in observation.candidate_comment
    assert "Agreed otherwise." in observation.candidate_comment
    rows = audit_rows(demo, "observation_acknowledged")
    assert [(r["actor"], r["record_hash"]) for r in rows] == [(JO, observation.record_hash)]
    assert not has_button(done, "Acknowledge")
    assert has_button(done, "Add my comment")


def test_assessor_can_cancel_a_planned_observation_and_then_not_record_it(demo):
    tom, jo = signed_in(demo, TOM), user_id(demo, JO)
    plan(tom, jo)
    observation = only_observation(demo)
    page = tom.get(f"/assessors/observations/{observation.id}")
    cancelled = press(tom, page, "Cancel this observation")
    assert "Observation cancelled." in page_text(cancelled)
    assert only_observation(demo).status == "cancelled"
    changes = {
        "observed_on": TODAY.isoformat(),
        "narrative_md": "Written up on the old page.",
        "judgement_0": "met",
        "judgement_1": "met",
        "anonymised": "y",
        "signed_name": "Tom Okafor",
    }
    stale = press(tom, page, "Sign the record", changes, follow=False)
    assert stale.status_code == 409
    assert count(demo, EvidenceItem) == 0


def test_other_assessor_and_candidate_cannot_reach_the_observation(demo):
    tom, jo = signed_in(demo, TOM), user_id(demo, JO)
    plan(tom, jo)
    observation = only_observation(demo)
    # Helen is also an IQA of the cohort (she may read, see tests/assessors/test_review_fixes.py): not her.
    zed = "zed.assessor@northmoor.example"
    make_user(demo, zed, name="Zed Other", roles=(Role.ASSESSOR,), password=DEMO_PASSWORD)
    other = signed_in(demo, zed)
    assert other.get(f"/assessors/candidates/{jo}/workplace").status_code == 404
    assert other.get(plan_url(jo)).status_code == 404
    assert other.get(f"/assessors/observations/{observation.id}").status_code == 404
    chris = signed_in(demo, CHRIS)
    assert chris.get(f"/assessors/observations/{observation.id}").status_code == 404
    # The candidate may see it but not write it up: the route's role rule refuses (403).
    jo_client = signed_in(demo, JO)
    own_page = jo_client.get(f"/assessors/observations/{observation.id}")
    assert own_page.status_code == 200
    data = form_with(tom.get(f"/assessors/observations/{observation.id}"), "Sign the record").data(
        "Sign the record", {"signed_name": "Jo Patel", "narrative_md": "Self-assessed.", "judgement_0": "met"}
    )
    data["csrf_token"] = [csrf_from(own_page.get_data(as_text=True))]
    assert jo_client.post(f"/assessors/observations/{observation.id}/record", data=data).status_code == 403
    assert only_observation(demo).status == "planned"


def test_the_heading_shows_the_day_the_observation_took_place(demo):
    tom, jo = signed_in(demo, TOM), user_id(demo, JO)
    plan(tom, jo)  # planned for next week...
    observation = only_observation(demo)
    planned = (TODAY + timedelta(days=7)).strftime("%-d %B %Y")
    before = page_text(tom.get(f"/assessors/observations/{observation.id}"))
    assert f"Observation: M01, {planned}" in before
    sign(tom, observation.id)  # ...but it took place today
    after = page_text(tom.get(f"/assessors/observations/{observation.id}"))
    assert f"Observation: M01, {TODAY.strftime('%-d %B %Y')}" in after
    assert f"Planned for {planned}" in after


def test_assessor_is_told_of_the_candidates_comment_and_acknowledgement(demo):
    tom, _observation, candidate, commented = _signed_and_commented(demo)
    press(candidate, commented, "Acknowledge", {"comment": "Agreed otherwise."})

    notes = page_text(tom.get("/notifications/"))
    assert "Jo Patel commented on your M01 observation record" in notes
    assert "The pupil had asked for it." in notes
    assert "Jo Patel acknowledged your M01 observation record with a comment" in notes
    assert "Agreed otherwise." in notes
    with demo.app_context():
        emailed = db.session.scalars(
            select(Notification.emailed_at).where(
                Notification.user_id == user_id(demo, TOM), Notification.kind == "observation_comment"
            )
        ).all()
    assert len(emailed) == 2
