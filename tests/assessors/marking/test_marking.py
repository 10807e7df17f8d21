"""Marking, as the people do it: the candidate submits, the assessor starts, drafts, completes and releases,
the candidate reads the feedback. Referral and resubmission, conflicts (409 keeping the text), completion
problems (422, nothing changed), and who may see or act on what (404 / 403)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from assessors.marking.models import Assessment
from core.accounts.models import Role
from core.audit.services import verify_chain
from core.extensions import db
from core.notifications.models import Notification
from portfolio.apl.models import AplClaim
from qualification.results.models import ModuleResult
from tests.support.demo import demo_fixture
from tests.support.html import csrf_from, form_with, page_text, press, signed_in, textarea_text
from tests.support.marking import (
    M01_REFS,
    assessment_id_of,
    assessment_row,
    judge,
    judgement,
    load_marking_demo,
    release_all,
    send_apl_claim,
    start_form,
    start_marking,
    submission_status,
    submit_m01,
)
from tests.support.people import CHRIS, HELEN, JO, LEADER, SAM, TOM, make_user

demo = demo_fixture(load_marking_demo)


def _started(app):
    """Jo has submitted M01; Tom has started marking it. Returns (jo, tom, submission id, assessment id)."""
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    submission_id = submit_m01(app, jo)
    opened = start_marking(tom, submission_id)
    assert opened.status_code == 200
    return jo, tom, submission_id, assessment_id_of(app, submission_id)


def test_assessor_can_judge_a_submission_and_the_candidate_reads_it_once_released(demo):
    app = demo
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    submission_id = submit_m01(app, jo)

    queue = page_text(tom.get("/assessors/queue"))
    assert "Submission: M01 attempt 1" in queue
    assert "Jo Patel" in queue
    assert "0 of 15" in queue

    opened = start_marking(tom, submission_id)
    text = page_text(opened)
    assert "Referral write-up" in text
    assert "what I did" in text
    assert "<strong>what I did</strong>" in opened.get_data(as_text=True)
    assert all(ref in text for ref in M01_REFS)
    assessment_id = assessment_id_of(app, submission_id)
    assert "Continue marking" in page_text(tom.get("/assessors/queue"))

    draft = judge(
        tom, assessment_id, "Save draft", {"outcome-M01.1.2": "met", "feedback_md": "So far, good."}
    )
    assert draft.headers["Location"] == f"/assessors/assessments/{assessment_id}"
    saved = assessment_row(app, assessment_id)
    assert saved["status"] == "in_marking"
    assert saved["outcomes"]["M01.1.2"] == "met"
    assert saved["feedback_md"] == "So far, good."
    assert jo.get(f"/assessors/assessments/{assessment_id}").status_code == 404  # not released

    done = judge(tom, assessment_id, "Complete marking", judgement(), follow=True)
    assert "ready for release" in page_text(done)
    assert assessment_row(app, assessment_id)["status"] == "ready_for_release"
    # Nothing left to mark (the demo's modules still wait for an observation to be planned).
    left = page_text(tom.get("/assessors/queue"))
    assert "Submission: M01" not in left
    assert "Continue marking" not in left
    assert jo.get(f"/assessors/assessments/{assessment_id}").status_code == 404
    assert "Awaiting assessment" in page_text(jo.get(f"/portfolio/submissions/{submission_id}"))

    released = release_all(tom)
    assert "1 decision released" in page_text(released)
    assert assessment_row(app, assessment_id)["status"] == "released"

    notes = page_text(jo.get("/notifications/"))
    assert "Feedback on your M01 submission: Achieved" in notes
    feedback = page_text(jo.get(f"/assessors/assessments/{assessment_id}"))
    assert "Decision: Achieved" in feedback
    assert "A clear portfolio." in feedback
    assert "Comment on M01.4.2." in feedback
    assert "VACS" not in feedback
    assert "Evidence hash" not in feedback
    shown = page_text(jo.get(f"/portfolio/submissions/{submission_id}"))
    assert "Achieved" in shown
    assert "Read the feedback" in shown
    link = jo.get(f"/assessors/submissions/{submission_id}/assessment")
    assert link.headers["Location"] == f"/assessors/assessments/{assessment_id}"
    gap = jo.get("/portfolio/modules/CCQ/M01").get_data(as_text=True)
    card = gap.split('id="criterion-M01.1.2"')[1].split("</section>")[0]
    assert re.search(r">\s*met\s*<", card), card
    with app.app_context():
        assert submission_status(app, submission_id) == "achieved"
        assert db.session.scalar(select(func.count()).select_from(ModuleResult)) == 1
        checked, problems = verify_chain()
        assert checked > 0
        assert problems == []


def test_double_click_on_start_marking_opens_the_same_assessment(demo):
    app = demo
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    submission_id = submit_m01(app, jo)
    form = start_form(tom.get("/assessors/queue"), f"/assessors/submissions/{submission_id}/start")
    data = form.data(form.buttons[0][0])
    first = tom.post(form.action, data=data)
    second = tom.post(form.action, data=data)  # the same page's button, pressed again
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assessment)) == 1


def test_sampled_decision_waits_for_the_iqa_before_release(app):
    load_marking_demo(app, sampling=True)  # the default plan samples an assessor's first decisions
    jo, tom, _submission_id, assessment_id = _started(app)
    done = judge(tom, assessment_id, "Complete marking", judgement(), follow=True)
    assert "sampled for IQA review" in page_text(done)
    assert assessment_row(app, assessment_id)["status"] == "in_iqa_review"
    assert "No decisions are waiting to be released." in page_text(tom.get("/assessors/release"))

    iqa = signed_in(app, SAM)
    review = iqa.get(f"/assessors/assessments/{assessment_id}")
    assert "one of the assessor's first" in page_text(review)
    press(iqa, review, "Agree with the decision")
    assert assessment_row(app, assessment_id)["status"] == "ready_for_release"
    assert jo.get(f"/assessors/assessments/{assessment_id}").status_code == 404

    page = tom.get(f"/assessors/assessments/{assessment_id}")
    press(tom, page, "Release to the candidate")
    assert assessment_row(app, assessment_id)["status"] == "released"
    assert jo.get(f"/assessors/assessments/{assessment_id}").status_code == 200


def test_referred_candidate_reads_what_to_do_and_can_resubmit(demo):
    app = demo
    jo, tom, submission_id, assessment_id = _started(app)
    changes = judgement(
        decision="referred", not_met=("M01.1.1",), action="Add a record of an observed conversation."
    )
    judge(tom, assessment_id, "Complete marking", changes)
    release_all(tom)

    feedback = page_text(jo.get(f"/assessors/assessments/{assessment_id}"))
    assert "Decision: Referred for resubmission" in feedback
    assert "What to do next" in feedback
    assert "Add a record of an observed conversation." in feedback
    assert "M01.1.1" in feedback
    assert "Not yet met" in feedback
    assert "Referred for resubmission" in page_text(jo.get("/portfolio/submissions"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ModuleResult)) == 0

    second = submit_m01(app, jo, "Observed conversation notes", refs=("M01.1.1",))
    assert second != submission_id
    queue = page_text(tom.get("/assessors/queue"))
    assert "Resubmission: M01 attempt 2" in queue


def test_assessor_sees_completion_problems_against_the_fields_and_nothing_changes(demo):
    app = demo
    _, tom, _, assessment_id = _started(app)
    before = assessment_row(app, assessment_id)
    changes = judgement(feedback="")
    del changes["outcome-M01.4.2"]
    del changes["vacs_current"]
    response = judge(tom, assessment_id, "Complete marking", changes)
    assert response.status_code == 422
    text = page_text(response)
    assert "Answer each of the four VACS checks." in text
    assert 'id="vacs-error"' in response.get_data(as_text=True)  # shown at the VACS group itself
    assert "Write the overall feedback the candidate will read." in text
    assert "Choose met or not yet met for M01.4.2." in text
    assert textarea_text(response, "comment-M01.1.1") == "Comment on M01.1.1."  # what was typed is kept
    assert assessment_row(app, assessment_id) == before


def test_assessor_gets_409_with_their_text_kept_when_the_form_is_stale(demo):
    app = demo
    _, tom, _, assessment_id = _started(app)
    tab_a = tom.get(f"/assessors/assessments/{assessment_id}")
    tab_b = tom.get(f"/assessors/assessments/{assessment_id}")
    judge(tom, assessment_id, "Save draft", {"feedback_md": "Saved in tab B."}, page=tab_b)

    stale = judge(
        tom, assessment_id, "Save draft", {"feedback_md": "My careful words from tab A."}, page=tab_a
    )
    assert stale.status_code == 409
    assert "changed in another window or by someone else" in page_text(stale)
    assert textarea_text(stale, "feedback_md") == "My careful words from tab A."
    assert assessment_row(app, assessment_id)["feedback_md"] == "Saved in tab B."


def test_autosave_answers_json_with_the_new_version_and_409_when_stale(demo):
    app = demo
    _, tom, _, assessment_id = _started(app)
    page = tom.get(f"/assessors/assessments/{assessment_id}")
    form = form_with(page, "Save draft")
    headers = {"X-Requested-With": "fetch", "Accept": "application/json"}
    data = form.data("Save draft", {"feedback_md": "Autosaved text."})
    saved = tom.post(form.action, data=data, headers=headers)
    assert saved.status_code == 200
    assert saved.get_json() == {"ok": True, "version": assessment_row(app, assessment_id)["version"]}
    again = tom.post(form.action, data=data, headers=headers)  # still the old version
    assert again.status_code == 409
    assert again.get_json()["ok"] is False


def test_unallocated_assessor_cannot_see_start_or_mark_the_work(demo):
    app = demo
    _, _, submission_id, assessment_id = _started(app)
    make_user(
        app, "stranger@uni.example", name="Sid Stranger", roles=(Role.ASSESSOR,), password="waymark-demo-2026"
    )
    other = signed_in(app, "stranger@uni.example")
    assert "Nothing is waiting for you." in page_text(other.get("/assessors/queue"))
    csrf = csrf_from(other.get("/account").get_data(as_text=True))
    assert (
        other.post(f"/assessors/submissions/{submission_id}/start", data={"csrf_token": csrf}).status_code
        == 404
    )
    assert other.get(f"/assessors/assessments/{assessment_id}").status_code == 404
    posted = other.post(
        f"/assessors/assessments/{assessment_id}", data={"csrf_token": csrf, "action": "save"}
    )
    assert posted.status_code == 404
    assert other.get(f"/assessors/submissions/{submission_id}/assessment").status_code == 404


def test_iqa_who_is_also_an_assessor_may_read_but_not_mark_anothers_candidate(demo):
    app = demo
    _, _, _, assessment_id = _started(app)
    helen = signed_in(app, HELEN)
    page = helen.get(f"/assessors/assessments/{assessment_id}")
    assert page.status_code == 200
    assert "Save draft" not in page_text(page)  # read-only for her
    csrf = csrf_from(page.get_data(as_text=True))
    refused = helen.post(
        f"/assessors/assessments/{assessment_id}", data={"csrf_token": csrf, "action": "save"}
    )
    assert refused.status_code == 403
    assert assessment_row(app, assessment_id)["version"] == 2  # created, started; nothing more


def test_candidates_cannot_see_an_unreleased_or_anothers_assessment(demo):
    app = demo
    jo, tom, submission_id, assessment_id = _started(app)
    assert jo.get(f"/assessors/assessments/{assessment_id}").status_code == 404
    assert jo.get(f"/assessors/submissions/{submission_id}/assessment").status_code == 404
    judge(tom, assessment_id, "Complete marking", judgement())
    assert jo.get(f"/assessors/assessments/{assessment_id}").status_code == 404
    release_all(tom)
    assert jo.get(f"/assessors/assessments/{assessment_id}").status_code == 200
    chris = signed_in(app, CHRIS)
    assert chris.get(f"/assessors/assessments/{assessment_id}").status_code == 404
    assert chris.get("/assessors/queue").status_code == 403
    with app.app_context():
        jo_notes = db.session.scalars(select(Notification.kind)).all()
        assert jo_notes.count("feedback_released") == 1


def test_assessor_decides_an_apl_claim_with_reasons_per_vacs(demo):
    app = demo
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    claim_id = send_apl_claim(app, jo)

    assert "APL claim: M02" in page_text(tom.get("/assessors/queue"))
    queue = tom.get("/assessors/queue")
    form = start_form(queue, f"/assessors/claims/{claim_id}/start")
    opened = tom.post(form.action, data=form.data(form.buttons[0][0]), follow_redirects=True)
    text = page_text(opened)
    assert "The claim" in text
    assert "Diploma, OCR" in text
    assert "Accepted in full" in text  # the APL decisions, not achieved / referred
    assert "Achieved" not in text
    with app.app_context():
        assessment_id = db.session.scalar(select(Assessment.id).where(Assessment.apl_claim_id == claim_id))

    no_reasons = judge(
        tom, assessment_id, "Complete marking", judgement(refs=["M02.1.1"], decision="accepted")
    )
    assert no_reasons.status_code == 422
    for name in ("valid", "authentic", "current", "sufficient"):
        assert f"Give your reason for '{name}'." in page_text(no_reasons)
    changes = judgement(refs=["M02.1.1"], decision="accepted")
    changes |= {
        "vacs_valid_note": "A 2024 diploma at level 6 covering M02.1.1.",
        "vacs_authentic_note": "Certificate checked with the awarding body.",
        "vacs_current_note": "Awarded in 2024.",
        "vacs_sufficient_note": "The diploma's unit on guidance covers the whole criterion.",
    }
    judge(tom, assessment_id, "Complete marking", changes)
    release_all(tom)
    feedback = page_text(jo.get(f"/assessors/assessments/{assessment_id}"))
    assert "Decision: Accepted in full" in feedback
    assert "Current Awarded in 2024." in feedback
    with app.app_context():
        assert db.session.get(AplClaim, claim_id).status == "accepted"


def test_second_person_releasing_is_told_it_was_already_released(demo):
    app = demo
    _jo, tom, _submission_id, assessment_id = _started(app)
    judge(tom, assessment_id, "Complete marking", judgement())
    ready = tom.get("/assessors/release")  # Tom has the list open...
    leader = signed_in(app, LEADER)  # ...while the course leader releases from the decision's page
    press(leader, leader.get(f"/assessors/assessments/{assessment_id}"), "Release to the candidate")
    assert assessment_row(app, assessment_id)["status"] == "released"

    for button in ("Release the M01 decision for Jo Patel", "Release selected"):
        late = press(
            tom, ready, button, {"assessment": [str(assessment_id)]} if "selected" in button else None
        )
        text = page_text(late)
        assert "That decision was already released; the candidate has been told." in text, button
        assert "Choose at least one decision to release" not in text, button
        assert "No decisions are waiting to be released." in text
    with app.app_context():
        told = db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.kind == "feedback_released")
        )
    assert told == 1
