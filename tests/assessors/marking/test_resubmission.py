"""Resubmissions are marked against the last attempt (issue 11, finding 4), as the people meet them.

Seen: the marking page for attempt 2 showed nothing of attempt 1: no judgements, feedback or IQA reasons, no
"what changed". Now attempt N's page shows attempt N-1's judgement and comment per criterion, its feedback,
action and VACS, the IQA's reasons, and what changed in the evidence between the two snapshots; the criteria
met last time can be carried forward with one explicit action, recorded as such, which never overrides a
criterion already judged in this attempt. The candidate sees none of the staff-only parts.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from assessors.decisions.services import review_decision
from assessors.marking.models import Assessment
from assessors.marking.queries import previous_attempt
from assessors.marking.services import carry_forward_criteria
from core.db.querycount import count_queries
from core.db.timeutil import UK
from core.errors import InvalidTransition
from core.extensions import db
from tests.support.demo import load_study_demo
from tests.support.evidence import add_evidence, audit_rows, item_id, map_to
from tests.support.html import form_with, page_text, press, signed_in
from tests.support.marking import M01_REFS, assessment_id_of, judge, judgement, start_marking
from tests.support.people import JO, SAM, TOM, person
from tests.support.quality import release, released_referral, state_of
from tests.support.submissions import submit

IQA_REASONS = "Agreed. M01.1.1 needs the guidance interview observed, not described."
PLAN = "Careers plan for M01"  # the account tests.support.quality.submit maps to every criterion it can show
LOG = "Referral log"
CARRY = "Carry forward the criteria met in attempt 1"
# Attempt 1 (tests.support.quality.judge, referred): the first criterion not yet met, the rest met.
MET_IN_1 = M01_REFS[1:]
# What Tom adds to complete attempt 2 after carrying forward: M01.1.1 (its competence sign-off stands).
FINISH = {
    "outcome-M01.1.1": "met",
    "comment-M01.1.1": "Signed off in school.",
    **{f"vacs_{n}": "yes" for n in ("valid", "authentic", "current", "sufficient")},
    "feedback_md": "All criteria now shown.",
    "decision": "achieved",
}


@pytest.fixture
def demo(app):
    load_study_demo(app)  # the default sampling plan: every referral goes to the IQA
    return app


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _section(html: str, marker: str, end: str = "</section>") -> str:
    """What the person reads in the part of the page that starts at `marker`."""
    return _words(html.split(marker, 1)[1].split(end, 1)[0])


def _resubmitted(app):
    """Attempt 1 referred (the IQA agreed, with reasons) and released; Jo edits her careers plan (version 2),
    stops putting it forward for M01.4.2, adds a referral log for M01.1.2 and submits attempt 2. Returns
    (jo, first submission id, first assessment id, second submission id)."""
    first, first_assessment = released_referral(app, JO, TOM, SAM, reasons=IQA_REASONS)
    jo = signed_in(app, JO)
    plan = item_id(app, PLAN)
    page = jo.get(f"/portfolio/items/{plan}")
    edited = press(
        jo,
        page,
        "Save as a new version",
        {"body_md": "The plan, now with the referral I made.", "anonymised": "y"},
    )
    assert "Saved as version 2" in page_text(edited)
    unmapped = press(jo, jo.get(f"/portfolio/items/{plan}"), "Unmap from M01.4.2")
    assert unmapped.status_code == 200
    add_evidence(jo, title=LOG, body_md="Who I referred, to whom, and why.", anonymised="y")
    map_to(jo, item_id(app, LOG), "CCQ/M01.1.2", "The referral itself")
    sent = submit(jo, follow=False)
    second = int(sent.headers["Location"].rsplit("/", 1)[1])
    assert second != first
    return jo, first, first_assessment, second


def _opened(app):
    """Attempt 2 submitted; Tom starts marking it from his queue. Returns (jo, tom, ids...)."""
    jo, _, first_assessment, second = _resubmitted(app)
    tom = signed_in(app, TOM)
    opened = start_marking(tom, second)
    assert opened.status_code == 200
    return jo, tom, first_assessment, assessment_id_of(app, second), opened


def test_assessor_can_see_attempt_1_and_what_changed_on_the_attempt_2_page(demo):
    _, _, _, _, opened = _opened(demo)
    html = opened.get_data(as_text=True)

    last = _section(html, 'id="previous-attempt"')
    assert "Attempt 1: the last decision" in last
    assert "Referred for resubmission" in last
    assert "Clear evidence of planning." in last  # the feedback
    assert "Add a second example." in last  # what the candidate was asked to do
    assert "Valid Yes" in last
    assert "Sufficient Yes" in last
    assert "Sam Whitfield: Agreed" in last
    assert IQA_REASONS in last
    assert f"Added {LOG} (for M01.1.2)" in last
    assert f"New version {PLAN}: version 2, was version 1" in last
    assert "Taken out" not in last

    # Per criterion, beside this attempt's evidence: how it was judged last time and what changed for it.
    not_met = _section(html, 'id="criterion-M01.1.1"')
    assert "Attempt 1: Not yet met: Comment on M01.1.1" in not_met
    referral = _section(html, 'id="criterion-M01.1.2"')
    assert "Attempt 1: Met: Comment on M01.1.2" in referral
    assert f"Added: {LOG}" in referral
    assert f"New version of {PLAN}: version 2, was version 1" in referral
    dropped = _section(html, 'id="criterion-M01.4.2"')
    assert f"No longer put forward for this criterion: {PLAN}" in dropped
    assert "No evidence submitted for this criterion." in dropped


def test_the_previous_attempt_costs_a_fixed_number_of_statements(demo):
    _, _, _, assessment_id, _ = _opened(demo)
    with demo.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        with count_queries(db.engine) as statements:
            previous = previous_attempt(assessment)
        assert previous.attempt == 1
        assert sorted(previous.met_refs) == sorted(MET_IN_1)
        assert len(statements) <= 6, statements


def test_assessor_can_carry_forward_the_criteria_met_in_attempt_1(demo):
    _, tom, first_assessment, assessment_id, opened = _opened(demo)
    assert "8 criteria met in attempt 1 are not judged yet here" in page_text(opened)
    # Tom has judged M01.2.1 differently in this attempt (not saved yet) when he presses the button.
    changed = press(tom, opened, CARRY, {"outcome-M01.2.1": "not_yet_met", "comment-M01.2.1": "Weaker now."})

    carried = [ref for ref in MET_IN_1 if ref != "M01.2.1"]
    said = page_text(changed)
    assert f"Carried forward from attempt 1 as met: {', '.join(carried)}." in said
    assert "Left as you judged them in this attempt: M01.2.1." in said
    assert CARRY not in said  # nothing left to carry
    with demo.app_context():
        before = db.session.get(Assessment, first_assessment)
        met_on = f"{before.completed_at.astimezone(UK):%-d %B %Y}"
        earlier = {j.criterion_ref: j for j in before.judgements}
        now = {j.criterion_ref: j for j in db.session.get(Assessment, assessment_id).judgements}
        for ref in carried:
            assert now[ref].outcome == "met"
            assert now[ref].comment == f"Carried forward from attempt 1 (met on {met_on})."
            assert now[ref].carried_from_id == earlier[ref].id
            assert earlier[ref].met_by
            assert now[ref].met_by == f"Carried forward from attempt 1: {earlier[ref].met_by}"
        assert (now["M01.2.1"].outcome, now["M01.2.1"].comment) == ("not_yet_met", "Weaker now.")
        assert now["M01.2.1"].carried_from_id is None
        assert now["M01.1.1"].outcome is None  # not met last time: Tom judges it afresh
    (row,) = audit_rows(demo, "criteria_carried_forward")
    assert str(row["object_id"]) == str(assessment_id)
    assert row["refs"] == carried
    assert row["from_attempt"] == 1
    assert row["from_assessment_id"] == first_assessment
    assert row["left_as_judged"] == ["M01.2.1"]
    # The card says it was carried, and how it was met then.
    card = _section(
        tom.get(f"/assessors/assessments/{assessment_id}").get_data(as_text=True), 'id="criterion-M01.4.2"'
    )
    assert "Carried forward Met in the previous attempt" in card
    assert "Met by: Carried forward from attempt 1: " in card


def test_a_carried_criterion_counts_as_backed_when_marking_is_completed(demo):
    _, tom, first_assessment, assessment_id, opened = _opened(demo)
    press(tom, opened, CARRY)
    # M01.4.2 has no evidence in attempt 2: met in attempt 1, carried, it needs no override to complete.
    done = judge(tom, assessment_id, "Complete marking", FINISH, follow=True)

    assert "Marking is complete" in page_text(done)
    assert state_of(demo, assessment_id) != "in_marking"
    with demo.app_context():
        earlier = {j.criterion_ref: j.met_by for j in db.session.get(Assessment, first_assessment).judgements}
        met_by = {j.criterion_ref: j.met_by for j in db.session.get(Assessment, assessment_id).judgements}
    assert met_by["M01.4.2"] == f"Carried forward from attempt 1: {earlier['M01.4.2']}"
    assert met_by["M01.1.1"] == "Competence sign-off"


def test_assessor_cannot_judge_an_unbacked_criterion_met_by_hand_instead_of_carrying_it(demo):
    _, tom, _, assessment_id, _ = _opened(demo)
    # The same judgement typed in by hand is not a carry: M01.4.2 has nothing behind it in attempt 2.
    refused = judge(tom, assessment_id, "Complete marking", judgement(), follow=True)

    assert refused.status_code == 422
    assert "No allowed assessment method backs these criteria judged met: M01.4.2." in page_text(refused)
    assert state_of(demo, assessment_id) == "in_marking"


def test_a_second_or_stale_carry_forward_changes_nothing(demo):
    _, tom, _, assessment_id, opened = _opened(demo)
    press(tom, opened, CARRY)
    with demo.app_context():
        version = db.session.get(Assessment, assessment_id).version

    # The same page pressed again (a double click, or another tab): the form is out of date.
    again = press(tom, opened, CARRY, follow=True)
    assert again.status_code == 409
    assert "changed in another window or by someone else" in page_text(again)
    # Pressed on a fresh page (the button is gone; a crafted post): nothing is left to carry.
    fresh = form_with(tom.get(f"/assessors/assessments/{assessment_id}"), "Save draft")
    data = fresh.data("Save draft")
    data["action"] = ["carry_forward"]
    nothing = tom.post(fresh.action, data=data, follow_redirects=True)
    assert nothing.status_code == 200
    assert "Nothing was carried forward" in page_text(nothing)
    assert "Already met in this attempt: " + ", ".join(MET_IN_1) in page_text(nothing)

    assert len(audit_rows(demo, "criteria_carried_forward")) == 1
    with demo.app_context():
        assert db.session.get(Assessment, assessment_id).version == version + 1  # the draft save only


def test_carrying_forward_is_refused_once_marking_is_complete(demo):
    _, tom, _, assessment_id, opened = _opened(demo)
    press(tom, opened, CARRY)
    page = tom.get(f"/assessors/assessments/{assessment_id}")
    judge(tom, assessment_id, "Complete marking", FINISH, page=page)
    data = form_with(page, "Save draft").data("Save draft")
    data["action"] = ["carry_forward"]
    data["version"] = [str(_version(demo, assessment_id))]

    refused = tom.post(f"/assessors/assessments/{assessment_id}", data=data)
    assert refused.status_code == 409
    assert "it can no longer be changed" in page_text(refused)
    with demo.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        with pytest.raises(InvalidTransition, match="can no longer be carried forward"):
            carry_forward_criteria(person(TOM), assessment, expected_version=None)
    assert len(audit_rows(demo, "criteria_carried_forward")) == 1


def _version(app, assessment_id: int) -> int:
    with app.app_context():
        return db.session.get(Assessment, assessment_id).version


def test_candidate_cannot_see_the_iqa_reasons_or_the_previous_attempt(demo):
    jo, _, first_assessment, second_submission = _resubmitted(demo)
    jo.get("/portfolio/submissions")  # the page she lands on after submitting (it shows the flash)
    before = page_text(jo.get(f"/assessors/assessments/{first_assessment}"))
    assert "Clear evidence of planning." in before  # her released attempt 1 feedback
    tom = signed_in(demo, TOM)
    opened = start_marking(tom, second_submission)
    second = assessment_id_of(demo, second_submission)
    press(tom, opened, CARRY)
    assert jo.get(f"/assessors/assessments/{second}").status_code == 404  # not released: not hers yet
    _complete_and_release(demo, tom, second)

    after = page_text(jo.get(f"/assessors/assessments/{first_assessment}"))
    assert after == before  # her view of the released attempt 1 decision stays as it was
    released = jo.get(f"/assessors/assessments/{second}")
    assert released.status_code == 200
    assert "All criteria now shown." in page_text(released)
    for shown in (before, page_text(released)):
        assert IQA_REASONS not in shown
        assert "Sam Whitfield" not in shown
        assert "the last decision" not in shown
        assert "What changed in the evidence" not in shown
        assert CARRY not in shown


def _complete_and_release(app, tom, assessment_id: int) -> None:
    """Tom completes attempt 2 as achieved; the IQA agrees if it was sampled; it is released."""
    assert "Marking is complete" in page_text(
        judge(tom, assessment_id, "Complete marking", FINISH, follow=True)
    )
    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        if assessment.status == "in_iqa_review":
            review_decision(person(SAM), assessment, verdict="agree", reasons_md="", expected_version=None)
            db.session.commit()
    release(app, SAM, assessment_id)
    assert state_of(app, assessment_id) == "released"


def test_judging_a_carried_criterion_otherwise_ends_the_carry(demo):
    _, tom, _, assessment_id, opened = _opened(demo)
    carried = press(tom, opened, CARRY)
    # Tom changes his mind about M01.4.2 (nothing in attempt 2 shows it), then marks it met again by hand.
    judge(tom, assessment_id, "Save draft", {"outcome-M01.4.2": "not_yet_met"}, page=carried)
    with demo.app_context():
        now = {j.criterion_ref: j for j in db.session.get(Assessment, assessment_id).judgements}
        assert (now["M01.4.2"].carried_from_id, now["M01.4.2"].met_by) == (None, "")
        assert now["M01.4.1"].carried_from_id is not None  # the others stay carried

    refused = judge(tom, assessment_id, "Complete marking", {**FINISH, "outcome-M01.4.2": "met"}, follow=True)
    assert refused.status_code == 422
    assert "No allowed assessment method backs these criteria judged met: M01.4.2." in page_text(refused)
