"""Reflection drafts: saved with the form or in the background, resumed on another device, never written
over by an older tab, finished as evidence, and remembered as the place to carry on."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from core.accounts.models import LoginSession, User
from core.audit.models import AuditEvent
from core.db.timeutil import utcnow
from core.extensions import db
from modules.study.models import ActivityCompletion, DraftRecovery, ReflectionDraft
from tests.support.demo import activity_id, demo_fixture, load_study_demo, module_doc
from tests.support.html import (
    csrf_from,
    form_with,
    has_button,
    login,
    page_text,
    press,
    recovery_boxes,
    signed_in_fixture,
    textarea_text,
)
from tests.support.people import CHRIS, DEMO_PASSWORD, JO

TASK = "Reflect on impartiality and a pupil who found it hard to open up"  # M01, criterion M01.1.3
SAVE = "Save draft"
FINISH = "This is my answer: mark as finished"
FETCH = {"X-Requested-With": "fetch"}
ANSWER = 'Pupil A, Year 11, said "dunno" to everything & then talked about <motorbikes>.'


demo = demo_fixture(load_study_demo)


@pytest.fixture
def task(demo):
    return activity_id(demo, "M01", TASK)


jo = signed_in_fixture(JO)


def _url(task_id, code="M01"):
    return f"/study/CCQ/{code}/{task_id}"


def _finish_url(task_id, code="M01"):
    return f"/portfolio/reflections/CCQ/{code}/{task_id}/finish"


def _new_client(app):
    other = app.test_client()
    login(other, JO, DEMO_PASSWORD)
    return other


def _drafts(app):
    with app.app_context():
        return [(d.activity_id, d.text, d.revision, d.finished_at is not None) for d in _all(ReflectionDraft)]


def _all(model):
    return db.session.scalars(select(model).order_by(model.id)).all()


def _revision_on(page) -> str:
    return dict(form_with(page, SAVE).fields)["revision"]


def _save(client, task_id, text, code="M01"):
    return press(client, client.get(_url(task_id, code)), SAVE, {"text": text})


# Saving with the form, and resuming -------------------------------------------------------------------


def test_candidate_can_save_a_draft_with_the_form(jo, demo, task):
    page = jo.get(_url(task))
    assert _revision_on(page) == "0"
    assert textarea_text(page) == ""

    saved = press(jo, page, SAVE, {"text": ANSWER})
    assert saved.status_code == 200
    assert saved.request.path == _url(task)
    text = page_text(saved)
    assert "Draft saved." in text
    assert "Last saved" in text
    assert textarea_text(saved) == ANSWER
    assert _revision_on(saved) == "1"
    assert has_button(saved, FINISH)
    assert _drafts(demo) == [(task, ANSWER, 1, False)]
    assert f"{TASK} Reflective task, 25 min Draft saved" in page_text(jo.get("/study/CCQ/M01"))


def test_candidate_can_resume_a_draft_on_another_device(jo, demo, task):
    laptop = jo
    _save(laptop, task, ANSWER)
    phone = _new_client(demo)
    opened = phone.get(_url(task))
    assert textarea_text(opened) == ANSWER
    assert _revision_on(opened) == "1"

    # Carrying on from the phone, then back on the laptop.
    press(phone, opened, SAVE, {"text": ANSWER + " Second evening."})
    assert textarea_text(laptop.get(_url(task))) == ANSWER + " Second evening."
    assert _drafts(demo) == [(task, ANSWER + " Second evening.", 2, False)]


def test_candidate_can_keep_the_text_of_an_older_tab_without_losing_the_newer(jo, demo, task):
    tab_a = jo.get(_url(task))
    tab_b = jo.get(_url(task))
    assert _revision_on(tab_a) == _revision_on(tab_b) == "0"

    press(jo, tab_a, SAVE, {"text": "newer"})
    assert _drafts(demo) == [(task, "newer", 1, False)]

    stale = press(jo, tab_b, SAVE, {"text": "older text"})
    assert stale.status_code == 200
    text = page_text(stale)
    assert "This answer was changed in another tab or device since you opened it." in text
    assert "Draft saved." not in text
    assert textarea_text(stale) == "newer"
    assert _revision_on(stale) == "1"
    (box,) = recovery_boxes(stale)
    assert box.startswith("Text from another tab, not saved over your newer answer")
    assert "older text" in box
    assert _drafts(demo) == [(task, "newer", 1, False)]
    with demo.app_context():
        assert [(r.text, r.based_on_revision, r.dismissed_at) for r in _all(DraftRecovery)] == [
            ("older text", 0, None)
        ]

    dismissed = press(jo, stale, "Dismiss")
    assert dismissed.status_code == 200
    assert recovery_boxes(dismissed) == []
    assert "Text from another tab" not in page_text(dismissed)
    assert textarea_text(dismissed) == "newer"
    with demo.app_context():
        assert [r.dismissed_at is not None for r in _all(DraftRecovery)] == [True]


def test_candidate_can_autosave_in_the_background(jo, demo, task):
    page = jo.get(_url(task))
    form = form_with(page, SAVE)

    first = jo.post(form.action, data=form.data(SAVE, {"text": "first words"}), headers=FETCH)
    assert first.status_code == 200
    assert first.is_json
    assert first.json["ok"] is True
    assert first.json["revision"] == 1
    assert first.json["conflict"] is False

    second = jo.post(
        form.action, data=form.data(SAVE, {"text": "first words, more", "revision": 1}), headers=FETCH
    )
    assert (second.status_code, second.json["ok"], second.json["revision"]) == (200, True, 2)

    # Another tab still on revision 1.
    conflict = jo.post(
        form.action, data=form.data(SAVE, {"text": "from an old tab", "revision": 1}), headers=FETCH
    )
    assert conflict.status_code == 409
    assert conflict.json["conflict"] is True
    assert conflict.json["ok"] is False
    assert conflict.json["revision"] == 2
    assert _drafts(demo) == [(task, "first words, more", 2, False)]
    # The unsaved text is kept and offered on the page.
    assert "from an old tab" in recovery_boxes(jo.get(_url(task)))[0]


def test_candidate_cannot_dismiss_another_candidates_kept_text(jo, demo, task):
    tab = jo.get(_url(task))
    press(jo, tab, SAVE, {"text": "newer"})
    stale = press(jo, tab, SAVE, {"text": "older text"})
    dismiss = form_with(stale, "Dismiss")

    chris = demo.test_client()
    login(chris, CHRIS, DEMO_PASSWORD)  # also studies M01
    token = csrf_from(chris.get("/account").get_data(as_text=True))
    response = chris.post(dismiss.action, data={"csrf_token": token})
    assert response.status_code in (403, 404)
    assert "older text" not in page_text(response)
    with demo.app_context():
        assert [r.dismissed_at for r in _all(DraftRecovery)] == [None]
    assert "older text" in recovery_boxes(jo.get(_url(task)))[0]


# Finishing --------------------------------------------------------------------------------------------


def test_candidate_can_finish_a_reflection(jo, demo, task):
    saved = _save(jo, task, ANSWER)
    finished = press(jo, saved, FINISH)
    assert finished.status_code == 200
    text = page_text(finished)
    assert "Your answer is finished and is now evidence in your portfolio, mapped to its criteria." in text
    assert "Finished You marked this answer as finished on" in text
    assert "Reflective task · about 25 minutes · Done" in text
    assert _drafts(demo) == [(task, ANSWER, 1, True)]
    with demo.app_context():
        jo_id = db.session.scalar(select(User.id).where(User.email == JO))
        assert [(c.activity_id, c.how) for c in _all(ActivityCompletion)] == [(task, "auto")]
        # The answer is now a written account in the portfolio, mapped to the task's criteria.
        from modules.content.models import Activity
        from portfolio.evidence.models import CriterionMapping, EvidenceItem

        (item,) = _all(EvidenceItem)
        assert (item.candidate_id, item.kind, item.current.body_md) == (jo_id, "account", ANSWER)
        refs = sorted(m.criterion_ref for m in _all(CriterionMapping))
        assert refs == sorted(db.session.get(Activity, task).criteria)
        (event,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "reflection_finished")
        ).all()
        assert (event.actor_id, event.actor_role, event.object_type) == (
            jo_id,
            "candidate",
            "ReflectionDraft",
        )
        assert json.loads(event.details_json) == {
            "activity_id": task,
            "criteria": ["M01.1.3"],
            "chars": len(ANSWER),
        }


def test_candidate_cannot_finish_with_a_stale_revision(jo, demo, task):
    old_tab = _save(jo, task, ANSWER)  # shows revision 1 with the finish button
    _save(_new_client(demo), task, ANSWER + " Edited on the phone.")  # revision 2

    refused = press(jo, old_tab, FINISH)
    assert refused.status_code == 200
    text = page_text(refused)
    assert "Error: Your answer changed in another tab. Check the latest text, then finish again." in text
    assert "kept as evidence" not in text
    assert textarea_text(refused) == ANSWER + " Edited on the phone."
    assert _drafts(demo) == [(task, ANSWER + " Edited on the phone.", 2, False)]
    with demo.app_context():
        assert _all(ActivityCompletion) == []
        assert (
            db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reflection_finished")).all()
            == []
        )


def test_candidate_cannot_finish_with_a_garbled_revision(jo, demo, task):
    saved = _save(jo, task, ANSWER)
    form = form_with(saved, FINISH)
    refused = jo.post(form.action, data=form.data(FINISH, {"revision": "abc"}), follow_redirects=True)
    # A forged or mangled field is refused like a stale one, never a server error.
    assert refused.status_code in (200, 400, 409), refused.status_code
    assert _drafts(demo) == [(task, ANSWER, 1, False)]
    with demo.app_context():
        assert _all(ActivityCompletion) == []


def test_candidate_cannot_finish_an_empty_answer(jo, demo, task):
    page = jo.get(_url(task))
    assert not has_button(page, FINISH)
    token = csrf_from(page.get_data(as_text=True))
    nothing = jo.post(_finish_url(task), data={"csrf_token": token, "revision": "0"}, follow_redirects=True)
    assert "Write your answer before you mark it as finished." in page_text(nothing)

    # Text saved, then rubbed out to spaces: the button goes, and a forged finish is refused.
    _save(jo, task, "a start")
    blank = _save(jo, task, "   \n  ")
    assert not has_button(blank, FINISH)
    forged = jo.post(_finish_url(task), data={"csrf_token": token, "revision": "2"}, follow_redirects=True)
    assert "Write your answer before you mark it as finished." in page_text(forged)
    assert [d[3] for d in _drafts(demo)] == [False]
    with demo.app_context():
        assert _all(ActivityCompletion) == []


def test_candidate_cannot_save_an_answer_over_the_limit(jo, demo, task):
    too_long = "x" * 60_000
    page = jo.get(_url(task))
    refused = press(jo, page, SAVE, {"text": too_long})
    assert refused.status_code == 422
    assert "50000 characters" in page_text(refused).replace(",", "")
    assert "Draft saved." not in page_text(refused)
    assert textarea_text(refused) == too_long  # given back to copy from, not thrown away

    form = form_with(page, SAVE)
    background = jo.post(form.action, data=form.data(SAVE, {"text": too_long}), headers=FETCH)
    assert background.status_code == 422
    assert background.json == {"ok": False, "message": "Your answer is too long to save."}
    assert _drafts(demo) == []


# Not losing work --------------------------------------------------------------------------------------


def test_candidate_can_find_the_draft_after_the_session_expires(jo, demo, task):
    _save(jo, task, ANSWER)
    with demo.app_context():
        db.session.execute(update(LoginSession).values(expires_at=utcnow()))
        db.session.commit()
    expired = jo.get(_url(task))
    assert expired.status_code == 302
    assert expired.headers["Location"].startswith("/login")

    again = _new_client(demo)
    assert textarea_text(again.get(_url(task))) == ANSWER
    assert _drafts(demo) == [(task, ANSWER, 1, False)]


def test_candidate_can_carry_on_from_the_draft_they_saved_last(jo, demo):
    title = next(
        a["title"]
        for s in module_doc("M02")["sections"]
        for a in s["activities"]
        if a["kind"] == "reflection"
    )
    task = activity_id(demo, "M02", title)
    assert "Tonight: Holding a needs conversation" in page_text(jo.get("/"))

    _save(jo, task, "My job description, annotated.", code="M02")
    home = jo.get("/")
    assert f"Tonight: {title} (reflective task, about 25 minutes, M02)" in page_text(home)
    assert f'href="{_url(task, "M02")}"' in home.get_data(as_text=True)
    module = jo.get("/study/CCQ/M02")
    assert f'href="{_url(task, "M02")}#activity-{task}"' in module.get_data(as_text=True)
    assert f"Start: {title}" in page_text(module)
