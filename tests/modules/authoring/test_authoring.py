"""Course leaders write module content in the browser: outlines, activities, questions, previews."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.extensions import db
from modules.authoring.views import PREVIEW_ONLY
from modules.content.models import Activity, Question, Section
from modules.demo import DEMO_CONTENT
from tests.support.demo import load_demo_data
from tests.support.html import csrf_from, form_of, login
from tests.support.html import send_form as submit
from tests.support.people import make_user

M01 = "/authoring/CCQ/M01"


@pytest.fixture
def demo(app):
    load_demo_data(app, cohort=False)


@pytest.fixture
def leader(app, demo, course_leader, client):
    login(client, course_leader.email)
    return course_leader


def _rows(app, model, *where):
    with app.app_context():
        db.session.expire_all()
        return db.session.scalars(select(model).where(*where).order_by(model.id)).all()


def _activities(app, section_title: str, code: str = "M01") -> list[tuple[int, str]]:
    with app.app_context():
        section = db.session.scalars(
            select(Section).where(Section.module_code == code, Section.title == section_title)
        ).one()
        return [(a.id, a.title) for a in section.activities]


def _first(app, kind: str, code: str = "M01") -> int:
    with app.app_context():
        return db.session.scalars(
            select(Activity.id)
            .join(Section)
            .where(Section.module_code == code, Activity.kind == kind)
            .order_by(Section.position, Activity.position)
        ).first()


def _events(app) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type.in_(["Section", "Activity", "Question"]))
            .order_by(AuditEvent.seq)
        )
        return [(row.action, details_of(row)) for row in rows]


def test_course_leader_can_see_modules_with_their_content(client, leader):
    page = client.get("/authoring/").get_data(as_text=True)
    document = json.loads(DEMO_CONTENT.read_text(encoding="utf-8"))
    for module in document["modules"]:
        activities = [a for s in module["sections"] for a in s["activities"]]
        minutes = sum(a["minutes"] for a in activities)
        row = page.split(f'id="module-CCQ-{module["module"]}"')[1].split("</tr>")[0]
        assert f"<td>{len(module['sections'])}</td>" in row
        assert f"<td>{len(activities)}</td>" in row
        assert f"<td>{minutes}</td>" in row
    assert "M01 Communicating and Working with Others in CEIAG" in page
    m04 = page.split('id="module-CCQ-M04"')[1].split("</tr>")[0]
    assert "No activities yet" in m04


def test_course_leader_can_add_a_section_and_a_lesson_then_write_it_with_a_preview(client, leader, app):
    response = submit(client, M01, f"{M01}/sections", {"add-section-title": "Going further"})
    (section,) = _rows(app, Section, Section.title == "Going further")
    assert response.headers["Location"].endswith(f"{M01}#section-{section.id}")
    assert section.position == 4

    action = f"{M01}/sections/{section.id}/activities"
    fields = {f"add-activity-{section.id}-{k}": v for k, v in {"kind": "lesson", "title": "Reading"}.items()}
    response = submit(client, M01, action, {**fields, f"add-activity-{section.id}-minutes": "20"})
    ((lesson_id, _),) = _activities(app, "Going further")
    edit = f"{M01}/activities/{lesson_id}"
    assert response.headers["Location"].endswith(edit)
    assert "Now write its content." in client.get(edit).get_data(as_text=True)

    body = "## Why it matters\n\nRead **this** first.<script>alert('boo')</script>"
    response = submit(client, edit, edit, {"body": body, "action": "preview"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview: this is how candidates see it" in page
    assert "<h2>Why it matters</h2>" in page
    assert "Read <strong>this</strong> first." in page
    assert "<script>alert" not in page  # the markdown filter strips it; the textarea shows it escaped
    assert "&lt;script&gt;alert(&#39;boo&#39;)&lt;/script&gt;</textarea>" in page
    assert _rows(app, Activity, Activity.id == lesson_id)[0].body_md == ""

    response = submit(
        client, edit, edit, {"body": "## Why it matters\n\nRead **this** first.", "minutes": "25"}
    )
    assert response.headers["Location"].endswith(edit)
    (lesson,) = _rows(app, Activity, Activity.id == lesson_id)
    assert (lesson.body_md, lesson.minutes, lesson.version) == (
        "## Why it matters\n\nRead **this** first.",
        25,
        2,
    )

    events = _events(app)
    assert [action for action, _ in events] == ["section_added", "activity_added", "activity_updated"]
    assert events[0][1]["after"] == {"title": "Going further", "position": 4}
    assert events[1][1]["before"] is None
    assert events[1][1]["after"]["kind"] == "lesson"
    assert events[2][1]["before"] == {"minutes": 20, "body": ""}
    assert events[2][1]["after"] == {"minutes": 25, "body": "## Why it matters\n\nRead **this** first."}


def test_second_editor_gets_409_with_their_text_kept(client, leader, app, course_leader):
    lesson_id = _first(app, "lesson")
    edit = f"{M01}/activities/{lesson_id}"
    other = app.test_client()
    login(other, course_leader.email)
    mine = form_of(client, edit, edit)
    theirs = form_of(other, edit, edit)

    assert other.post(edit, data={**theirs.to_dict(), "title": "Their title"}).status_code == 302
    response = client.post(edit, data={**mine.to_dict(), "body": "My careful paragraph."})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this since you opened it" in page
    assert "My careful paragraph.</textarea>" in page
    (lesson,) = _rows(app, Activity, Activity.id == lesson_id)
    assert lesson.title == "Their title"
    assert lesson.body_md != "My careful paragraph."
    assert f'name="version" type="hidden" value="{lesson.version}"' in page


def test_course_leader_can_reorder_and_delete_activities(client, leader, app):
    with app.app_context():
        section = db.session.scalars(select(Section).where(Section.module_code == "M01")).first()
        title = section.title
    (first, first_title), (second, _) = _activities(app, title)[:2]
    response = submit(client, M01, f"{M01}/activities/{first}/move", {"direction": "down"})
    assert response.headers["Location"].endswith(f"{M01}#activity-{first}")
    assert [a for a, _ in _activities(app, title)][:2] == [second, first]

    response = submit(client, M01, f"{M01}/activities/{first}/delete", {})
    assert response.headers["Location"].endswith(f"{M01}#section-{section.id}")
    assert first not in [a for a, _ in _activities(app, title)]
    assert [a.position for a in _rows(app, Activity, Activity.section_id == section.id)] == list(
        range(len(_activities(app, title)))
    )
    assert "data-confirm=" in client.get(M01).get_data(as_text=True)
    events = dict(_events(app))
    assert events["activity_moved"]["after"]["order"][:2] == [_activities(app, title)[0][1], first_title]
    assert events["activity_deleted"]["before"]["title"] == first_title
    assert events["activity_deleted"]["after"] is None


def test_course_leader_cannot_delete_a_section_that_still_has_activities(client, leader, app):
    with app.app_context():
        section = db.session.scalars(select(Section).where(Section.module_code == "M01")).first()
        section_id, count = section.id, len(section.activities)
    response = submit(client, M01, f"{M01}/sections/{section_id}/delete", {})
    assert response.status_code == 422
    assert f"still has {count} activities" in response.get_data(as_text=True)
    assert _rows(app, Section, Section.id == section_id)
    assert _events(app) == []


@pytest.mark.parametrize(
    ("kind", "changes", "message"),
    [
        ("lesson", {"minutes": "0"}, "whole number from 1 to 600"),
        ("lesson", {"minutes": "601"}, "whole number from 1 to 600"),
        ("lesson", {"minutes": "half an hour"}, "whole number from 1 to 600"),
        ("lesson", {"title": "  "}, "Enter a title for the activity"),
        ("resource", {"url": "javascript:alert(1)"}, "Enter a web address starting with https://"),
        ("reflection", {"criteria": "M01.1.1 M09.9.9"}, "M09.9.9 is not an assessment criterion of M01"),
    ],
)
def test_course_leader_cannot_save_bad_activity_input(client, leader, app, kind, changes, message):
    activity_id = _first(app, kind)
    edit = f"{M01}/activities/{activity_id}"
    (before,) = _rows(app, Activity, Activity.id == activity_id)
    response = submit(client, edit, edit, {**changes, "body": "Typed and kept."})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "Typed and kept.</textarea>" in page
    (after,) = _rows(app, Activity, Activity.id == activity_id)
    kept = ("version", "title", "body_md", "url", "minutes", "criteria_refs")
    assert [getattr(after, k) for k in kept] == [getattr(before, k) for k in kept]
    assert _events(app) == []


def test_course_leader_can_link_a_reflection_to_criteria_of_the_module(client, leader, app):
    activity_id = _first(app, "reflection")
    edit = f"{M01}/activities/{activity_id}"
    response = submit(client, edit, edit, {"criteria": "M01.2.1, M01.1.1 M01.2.1"})
    assert response.status_code == 302
    assert _rows(app, Activity, Activity.id == activity_id)[0].criteria_refs == "M01.2.1 M01.1.1"


def test_course_leader_can_say_a_try_is_enough_for_a_knowledge_check_only(client, leader, app):
    quiz_id = _first(app, "quiz")
    edit = f"{M01}/activities/{quiz_id}"
    page = client.get(edit).get_data(as_text=True)
    assert "A try is enough: the check is done once every question is answered" in page
    assert not _rows(app, Activity, Activity.id == quiz_id)[0].try_is_enough

    response = submit(client, edit, edit, {"try_is_enough": ["y"]})
    assert response.status_code == 302
    assert _rows(app, Activity, Activity.id == quiz_id)[0].try_is_enough is True
    (event,) = _events(app)
    assert event == (
        "activity_updated",
        {"module": "CCQ/M01", "before": {"try_is_enough": False}, "after": {"try_is_enough": True}},
    )
    outline = client.get(M01).get_data(as_text=True)
    assert "A try is enough" in outline.split(f'id="activity-{quiz_id}"')[1].split("</tr>")[0]
    # Unticked again: back to every answer right.
    submit(client, edit, edit, {"try_is_enough": []})
    assert _rows(app, Activity, Activity.id == quiz_id)[0].try_is_enough is False

    # A lesson has no such setting: the form does not offer it, and a forged one changes nothing.
    lesson_id = _first(app, "lesson")
    lesson = f"{M01}/activities/{lesson_id}"
    assert "A try is enough" not in client.get(lesson).get_data(as_text=True)
    before = len(_events(app))
    assert submit(client, lesson, lesson, {"try_is_enough": ["y"]}).status_code == 302
    assert _rows(app, Activity, Activity.id == lesson_id)[0].try_is_enough is False
    assert len(_events(app)) == before


def _question_fields(text: str, options: list[tuple[str, bool]], *, multiple: bool = False) -> dict:
    fields = {"text": text, "explanation": "Because."}
    if multiple:
        fields["multiple"] = "y"
    for i, (option, correct) in enumerate(options):
        fields[f"options-{i}-text"] = option
        fields[f"options-{i}-correct"] = ["y"] if correct else []
    return fields


def test_course_leader_can_add_change_reorder_and_delete_questions(client, leader, app):
    quiz_id = _first(app, "quiz")
    edit = f"{M01}/activities/{quiz_id}"
    before = [q.id for q in _rows(app, Question, Question.activity_id == quiz_id)]
    new = f"{edit}/questions/new"
    fields = _question_fields("Which is impartial?", [("Advice for all routes", True), ("One route", False)])
    response = submit(client, new, new, fields)
    assert response.headers["Location"].endswith(f"{edit}#questions")
    added = _rows(app, Question, Question.activity_id == quiz_id)[-1]
    assert [(o.text, o.correct) for o in added.options] == [
        ("Advice for all routes", True),
        ("One route", False),
    ]

    page = f"{edit}/questions/{added.id}"
    option_ids = [o.id for o in added.options]
    fields = _question_fields("Which are impartial?", [("A", True), ("B", True), ("C", False)], multiple=True)
    assert submit(client, page, page, fields).status_code == 302
    (changed,) = _rows(app, Question, Question.id == added.id)
    assert changed.multiple
    assert [o.id for o in changed.options][:2] == option_ids  # kept rows, so old attempts still match

    response = submit(client, edit, f"{page}/move", {"direction": "up"})
    assert response.status_code == 302
    order = [
        q.id for q in sorted(_rows(app, Question, Question.activity_id == quiz_id), key=lambda q: q.position)
    ]
    assert order == [*before[:-1], added.id, before[-1]]

    assert submit(client, edit, f"{page}/delete", {}).status_code == 302
    assert [q.id for q in _rows(app, Question, Question.activity_id == quiz_id)] == before
    actions = [action for action, _ in _events(app)]
    assert actions == ["question_added", "question_updated", "question_moved", "question_deleted"]
    updated = dict(_events(app))["question_updated"]
    assert updated["before"]["multiple"] is False
    assert updated["after"]["multiple"] is True


@pytest.mark.parametrize(
    ("options", "multiple", "message"),
    [
        ([("A", True), ("B", True)], False, "Tick exactly one right answer"),
        ([("A", False), ("B", False)], True, "Tick at least one right answer"),
        ([("A", True)], False, "Give between 2 and 10 answers"),
        ([("A", True), ("", True), ("B", False)], False, "Answer 2 is ticked as right but has no text"),
    ],
)
def test_course_leader_cannot_save_an_impossible_question(client, leader, app, options, multiple, message):
    quiz_id = _first(app, "quiz")
    new = f"{M01}/activities/{quiz_id}/questions/new"
    before = len(_rows(app, Question, Question.activity_id == quiz_id))
    response = submit(client, new, new, _question_fields("Pick one", options, multiple=multiple))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "Pick one</textarea>" in page
    assert len(_rows(app, Question, Question.activity_id == quiz_id)) == before
    assert _events(app) == []


def test_course_leader_can_preview_the_module_and_an_activity_as_candidates_see_them(client, leader, app):
    page = client.get(f"{M01}/preview").get_data(as_text=True)
    assert "Preview: this is how candidates see it" in page
    assert "M01 Communicating and Working with Others in CEIAG" in page
    assert "/study/" not in page
    lesson_id = _first(app, "lesson")
    assert f'href="{M01}/preview/{lesson_id}"' in page

    quiz_id = _first(app, "quiz")
    page = client.get(f"{M01}/preview/{quiz_id}").get_data(as_text=True)
    assert "Preview: this is how candidates see it" in page
    assert "Check my answers" in page
    assert f'action="{M01}/preview/{quiz_id}"' in page
    assert "/study/" not in page

    response = submit(client, f"{M01}/preview/{quiz_id}", f"{M01}/preview/{quiz_id}", {})
    assert response.headers["Location"].endswith(f"{M01}/preview/{quiz_id}")
    assert "what candidates send from this page is not saved" in client.get(response.headers["Location"]).text
    assert f'data-position-url="{M01}/preview/{quiz_id}?quiet=1"' in page
    beacon = client.post(
        f"{M01}/preview/{quiz_id}?quiet=1", data={"csrf_token": csrf_from(page), "anchor": "x"}
    )
    assert beacon.json == {"ok": False, "message": PREVIEW_ONLY}
    assert _events(app) == []


def test_candidate_cannot_author_content(client, app, demo):
    # The demo already has candidate@school.example, the conftest candidate's address.
    login(client, make_user(app, "newcomer@school.example", roles=(Role.CANDIDATE,)).email)
    assert client.get("/authoring/").status_code == 403
    assert client.get(M01).status_code == 403
    lesson_id = _first(app, "lesson")
    assert client.get(f"{M01}/activities/{lesson_id}").status_code == 403
    assert client.get(f"{M01}/preview").status_code == 403


def test_unknown_module_is_not_found(client, leader):
    assert client.get("/authoring/CCQ/M99").status_code == 404
    assert client.get(f"{M01}/activities/999999").status_code == 404


def test_tutor_can_author_content(client, app, demo):
    # Tutors are the assessors: they write content with the course leaders.
    login(client, make_user(app, "tutor@uni.example", roles=(Role.ASSESSOR,)).email)
    assert client.get("/authoring/").status_code == 200
    assert "M01" in client.get(M01).get_data(as_text=True)
