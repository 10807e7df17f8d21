"""Studying a module as a candidate: the home page's "Tonight", the module page, lessons, knowledge checks,
activities that wait for the one before, and who may not use the study pages at all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from modules.content.models import Activity, Question
from modules.study.models import ActivityCompletion, QuizAttempt
from tests.support.demo import (
    activity_id,
    activity_ids,
    demo_content,
    demo_fixture,
    load_study_demo,
    module_doc,
)
from tests.support.html import (
    csrf_from,
    form_with,
    has_button,
    login,
    page_text,
    press,
    send_form,
    signed_in,
    signed_in_fixture,
)
from tests.support.people import DEMO_PASSWORD, JO, LEADER, TOM, make_user

FIRST = "Holding a needs conversation"  # M01's first activity: a lesson, 12 minutes
SECOND = "Referring a pupil to the careers adviser, with a rationale"  # a lesson, 10 minutes
QUIZ = "Check your understanding: needs conversations and referrals"  # 4 questions
OTHER_QUIZ = "Check your understanding: working in the careers team"


demo = demo_fixture(load_study_demo)


jo = signed_in_fixture(JO)


def _completions(app, user_email=JO):
    from core.accounts.models import User

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == user_email))
        return [
            (c.activity_id, c.how)
            for c in db.session.scalars(
                select(ActivityCompletion)
                .where(ActivityCompletion.user_id == user_id)
                .order_by(ActivityCompletion.id)
            )
        ]


def _attempts(app):
    with app.app_context():
        return [(a.activity_id, a.score, a.max_score) for a in db.session.scalars(select(QuizAttempt))]


def _questions(app, quiz_id):
    """[(question id, [right option ids], [wrong option ids], explanation)] of a knowledge check."""
    with app.app_context():
        questions = db.session.scalars(
            select(Question).where(Question.activity_id == quiz_id).order_by(Question.position)
        ).all()
        return [
            (
                q.id,
                [o.id for o in q.options if o.correct],
                [o.id for o in q.options if not o.correct],
                q.explanation_md,
            )
            for q in questions
        ]


def _module_totals(code):
    activities = [a for s in module_doc(code)["sections"] for a in s["activities"]]
    return len(activities), sum(a["minutes"] for a in activities)


# The home page and the module page ---------------------------------------------------------------------


def test_candidate_can_see_tonight_and_progress_per_module_on_home(jo):
    text = page_text(jo.get("/"))
    assert f"Tonight: {FIRST} (lesson, about 12 minutes, M01)" in text
    for module in demo_content()["modules"]:
        count, minutes = _module_totals(module["module"])
        assert f"0 of {count} activities, about {minutes} minutes left" in text
    assert "M01 Communicating and Working with Others in CEIAG" in text
    # Jo's option has no published content yet: it is listed, without pretending there is work in it.
    assert "M04 Teaching and Learning in Careers Education : no activities yet" in text


def test_candidate_can_see_sections_and_activities_of_a_module(jo):
    response = jo.get("/study/CCQ/M01")
    assert response.status_code == 200
    text = page_text(response)
    count, minutes = _module_totals("M01")
    assert "M01 Communicating and Working with Others in CEIAG" in text
    assert f"0 of {count} activities done (0%)" in text
    assert f"about {minutes} minutes of activities left" in text
    assert f"Start: {FIRST} (12 min)" in text
    labels = {"lesson": "Lesson", "resource": "Resource", "quiz": "Knowledge check"}
    labels |= {"reflection": "Reflective task", "session": "Session"}
    for section in module_doc("M01")["sections"]:
        assert section["title"] in text
        for activity in section["activities"]:
            assert f"{activity['title']} {labels[activity['kind']]}, {activity['minutes']} min" in text
    # Sections come in their order, and each activity links to its page.
    titles = [s["title"] for s in module_doc("M01")["sections"]]
    assert [text.index(t) for t in titles] == sorted(text.index(t) for t in titles)
    first = activity_id(jo.application, "M01", FIRST)
    assert f'href="/study/CCQ/M01/{first}"' in response.get_data(as_text=True)


# Lessons -----------------------------------------------------------------------------------------------


def test_candidate_can_mark_a_lesson_as_done_and_continue(jo, demo):
    first, second = activity_ids(demo, "M01")[:2]
    lesson = jo.get(f"/study/CCQ/M01/{first}")
    assert "Lesson · about 12 minutes" in page_text(lesson)

    after = press(jo, lesson, "Mark as done and continue")
    assert after.request.path == f"/study/CCQ/M01/{second}"
    text = page_text(after)
    assert f"Done: {FIRST}." in text
    assert f"<h1>{SECOND}</h1>" in after.get_data(as_text=True)
    assert _completions(demo) == [(first, "manual")]

    again = jo.get(f"/study/CCQ/M01/{first}")
    assert "Lesson · about 12 minutes · Done" in page_text(again)
    assert not has_button(again, "Mark as done and continue")

    count, minutes = _module_totals("M01")
    module = page_text(jo.get("/study/CCQ/M01"))
    assert f"1 of {count} activities done (7%)" in module
    assert f"about {minutes - 12} minutes of activities left" in module
    assert f"{FIRST} Lesson, 12 min Done" in module
    assert f"Carry on: {SECOND} (10 min)" in module

    home = page_text(jo.get("/"))
    assert f"Tonight: {SECOND} (lesson, about 10 minutes, M01)" in home
    assert f"1 of {count} activities, about {minutes - 12} minutes left" in home


def test_candidate_can_double_post_mark_as_done_and_get_one_row(jo, demo):
    first, second = activity_ids(demo, "M01")[:2]
    lesson = jo.get(f"/study/CCQ/M01/{first}")
    form = form_with(lesson, "Mark as done and continue")
    data = form.data("Mark as done and continue")
    responses = [jo.post(form.action, data=data) for _ in range(2)]
    assert [r.status_code for r in responses] == [302, 302]
    assert {r.headers["Location"] for r in responses} == {f"/study/CCQ/M01/{second}"}
    assert _completions(demo) == [(first, "manual")]


def test_candidate_cannot_mark_a_knowledge_check_done_by_hand(jo, demo):
    quiz = activity_id(demo, "M01", QUIZ)
    page = jo.get(f"/study/CCQ/M01/{quiz}")
    assert not has_button(page, "Mark as done and continue")
    token = csrf_from(page.get_data(as_text=True))
    response = jo.post(f"/study/CCQ/M01/{quiz}/done", data={"csrf_token": token})
    assert response.status_code == 400
    assert _completions(demo) == []


# Knowledge checks --------------------------------------------------------------------------------------


def _answers(questions, *, wrong=()):
    """The right answers to every question, except the questions at the `wrong` positions."""
    return {f"q{qid}": (bad[:1] if n in wrong else right) for n, (qid, right, bad, _) in enumerate(questions)}


def test_candidate_cannot_submit_a_knowledge_check_with_a_question_unanswered(jo, demo):
    quiz = activity_id(demo, "M01", QUIZ)
    questions = _questions(demo, quiz)
    answers = _answers(questions)
    del answers[f"q{questions[-1][0]}"]

    response = press(jo, jo.get(f"/study/CCQ/M01/{quiz}"), "Check my answers", answers)
    assert response.status_code == 422
    text = page_text(response)
    assert "There is a problem" in text
    assert "Answer every question, then check your answers." in text
    assert text.count("Choose an answer.") == 1
    last = response.get_data(as_text=True).split(f'id="q{questions[-1][0]}"')[1]
    assert last.index("Choose an answer.") < last.index("</fieldset>")
    assert _attempts(demo) == []
    assert _completions(demo) == []


def test_candidate_can_get_every_answer_right_and_see_the_explanations(jo, demo):
    quiz = activity_id(demo, "M01", QUIZ)
    questions = _questions(demo, quiz)
    response = press(jo, jo.get(f"/study/CCQ/M01/{quiz}"), "Check my answers", _answers(questions))
    assert response.status_code == 200
    text = page_text(response)
    n = len(questions)
    assert f"You scored {n} out of {n}. The explanations are below each question." in text
    assert f"Your last try: {n} out of {n}" in text
    assert text.count("Right The answer:") == n
    for _, _, _, explanation in questions:
        assert explanation.split(".")[0] in text
    assert has_button(response, "Try again")
    assert _attempts(demo) == [(quiz, n, n)]
    assert _completions(demo) == [(quiz, "auto")]
    assert f"{QUIZ} Knowledge check, 8 min Done best score {n}/{n}" in page_text(jo.get("/study/CCQ/M01"))


def test_candidate_can_retake_a_knowledge_check_and_keep_the_best_score(jo, demo):
    quiz = activity_id(demo, "M01", QUIZ)
    questions = _questions(demo, quiz)
    n = len(questions)
    press(jo, jo.get(f"/study/CCQ/M01/{quiz}"), "Check my answers", _answers(questions))

    retake = press(jo, jo.get(f"/study/CCQ/M01/{quiz}"), "Try again", _answers(questions, wrong={0, 2}))
    text = page_text(retake)
    assert f"You scored {n - 2} out of {n}." in text
    assert f"Your last try: {n - 2} out of {n}" in text
    assert f"Best score: {n} out of {n}." in text
    assert text.count("Not quite") == 2

    assert f"best score {n}/{n}" in page_text(jo.get("/study/CCQ/M01"))
    assert sorted(_attempts(demo)) == [(quiz, n - 2, n), (quiz, n, n)]
    assert _completions(demo) == [(quiz, "auto")]  # one completion, however many tries


def _option_texts(app, option_ids) -> list[str]:
    from modules.content.models import QuestionOption as Option

    with app.app_context():
        return [db.session.get(Option, i).text for i in option_ids]


def test_a_check_scored_one_out_of_four_is_not_done_until_every_answer_is_right(jo, demo):
    quiz = activity_id(demo, "M01", QUIZ)
    questions = _questions(demo, quiz)
    n = len(questions)
    low = press(
        jo, jo.get(f"/study/CCQ/M01/{quiz}"), "Check my answers", _answers(questions, wrong={1, 2, 3})
    )
    text = page_text(low)
    assert f"You scored 1 out of {n}. The explanations are below each question. Get every answer" in text
    assert "Knowledge check · about 8 minutes · Done" not in text
    assert _completions(demo) == []
    module = page_text(jo.get("/study/CCQ/M01"))
    assert f"{QUIZ} Knowledge check, 8 min best score 1/{n}" in module
    assert f"{QUIZ} Knowledge check, 8 min Done" not in module

    passed = press(jo, low, "Try again", _answers(questions))
    assert f"You scored {n} out of {n}. The explanations are below each question. The check is done." in (
        page_text(passed)
    )
    assert _completions(demo) == [(quiz, "auto")]


def test_a_check_whose_author_says_a_try_is_enough_is_done_after_one_complete_try(jo, demo):
    """Issue 11: the author of a check may say one complete try finishes it, right or not; the candidate's
    page says so. An incomplete try still finishes nothing, and other checks keep the every-answer rule."""
    quiz = activity_id(demo, "M01", QUIZ)
    edit = f"/authoring/CCQ/M01/activities/{quiz}"
    saved = send_form(signed_in(demo, LEADER), edit, edit, {"try_is_enough": ["y"]})
    assert saved.status_code == 302
    with demo.app_context():
        assert db.session.get(Activity, quiz).try_is_enough is True

    page = jo.get(f"/study/CCQ/M01/{quiz}")
    assert "A try is enough: the check is done once you have answered every question, right or not." in (
        page_text(page)
    )
    questions = _questions(demo, quiz)
    n = len(questions)
    unanswered = _answers(questions)
    del unanswered[f"q{questions[0][0]}"]
    assert press(jo, page, "Check my answers", unanswered).status_code == 422
    assert _completions(demo) == []

    low = press(jo, page, "Check my answers", _answers(questions, wrong={1, 2, 3}))
    assert f"You scored 1 out of {n}. The explanations are below each question. The check is done." in (
        page_text(low)
    )
    assert _attempts(demo) == [(quiz, 1, n)]
    assert _completions(demo) == [(quiz, "auto")]
    assert f"{QUIZ} Knowledge check, 8 min Done best score 1/{n}" in page_text(jo.get("/study/CCQ/M01"))

    # The other check of the module has no such setting: a try with a wrong answer leaves it to do.
    other = activity_id(demo, "M01", OTHER_QUIZ)
    other_page = jo.get(f"/study/CCQ/M01/{other}")
    assert "The check is done when every answer is right." in page_text(other_page)
    press(jo, other_page, "Check my answers", _answers(_questions(demo, other), wrong={0}))
    assert _completions(demo) == [(quiz, "auto")]


def test_the_retake_form_comes_before_the_last_answers_which_show_the_option_picked(jo, demo):
    quiz = activity_id(demo, "M01", QUIZ)
    questions = _questions(demo, quiz)
    picked = press(jo, jo.get(f"/study/CCQ/M01/{quiz}"), "Check my answers", _answers(questions, wrong={0}))
    body = picked.get_data(as_text=True)
    assert body.index("Try again") < body.index("Your last try")
    text = page_text(picked)
    (wrong_pick,) = _option_texts(demo, questions[0][2][:1])
    right_answer = "; ".join(_option_texts(demo, questions[0][1]))
    assert f"Your answer: {wrong_pick}. Not quite The answer: {right_answer}." in text
    second_right = "; ".join(_option_texts(demo, questions[1][1]))
    assert f"Your answer: {second_right}. Right The answer: {second_right}." in text


@pytest.mark.parametrize("forgery", ["other question", "other knowledge check", "two radios", "not a number"])
def test_candidate_cannot_answer_with_options_of_another_question(jo, demo, forgery):
    quiz = activity_id(demo, "M01", QUIZ)
    questions = _questions(demo, quiz)
    other = _questions(demo, activity_id(demo, "M01", OTHER_QUIZ))
    answers = _answers(questions)
    first = f"q{questions[0][0]}"  # a single-answer question
    answers[first] = {
        "other question": questions[1][1][:1],
        "other knowledge check": other[0][1][:1],
        "two radios": questions[0][1] + questions[0][2][:1],
        "not a number": ["1 OR 1=1"],
    }[forgery]

    response = press(jo, jo.get(f"/study/CCQ/M01/{quiz}"), "Check my answers", answers)
    assert response.status_code == 422
    assert "Choose from the answers given." in page_text(response)
    assert _attempts(demo) == []
    assert _completions(demo) == []


# Activities that wait for the one before ---------------------------------------------------------------


def test_candidate_cannot_complete_an_activity_that_waits_for_the_one_before(jo, demo):
    first, second = activity_ids(demo, "M01")[:2]
    with demo.app_context():
        db.session.get(Activity, second).requires_previous = True
        db.session.commit()

    module = jo.get("/study/CCQ/M01")
    assert f"{SECOND} Waits for the activity before Lesson, 10 min" in page_text(module)
    assert f'href="/study/CCQ/M01/{second}"' not in module.get_data(as_text=True).split("<section")[1]

    waiting = jo.get(f"/study/CCQ/M01/{second}")
    assert "This activity waits for the one before it." in page_text(waiting)
    assert f"Go to “{FIRST}”" in page_text(waiting)
    assert not has_button(waiting, "Mark as done and continue")

    token = csrf_from(waiting.get_data(as_text=True))
    forged = jo.post(f"/study/CCQ/M01/{second}/done", data={"csrf_token": token})
    assert forged.status_code == 409
    assert "Finish the activity before this one first" in page_text(forged)
    assert _completions(demo) == []

    # Once the one before is done, it opens.
    press(jo, jo.get(f"/study/CCQ/M01/{first}"), "Mark as done and continue")
    opened = jo.get(f"/study/CCQ/M01/{second}")
    assert "waits for the one before it" not in page_text(opened)
    press(jo, opened, "Mark as done and continue")
    assert _completions(demo) == [(first, "manual"), (second, "manual")]


# Who may not study here --------------------------------------------------------------------------------


def _post_everything(client, activity, token):
    """The study POSTs for one activity, with a valid CSRF token for this client."""
    base = f"/study/CCQ/M01/{activity}"
    data = {"csrf_token": token, "text": "mine", "revision": "0", "q1": "1", "anchor": "top"}
    return {
        path: client.post(base + path, data=data).status_code
        for path in ("/done", "/answers", "/draft", "/position")
    }


def _no_study_rows(app):
    with app.app_context():
        from modules.study.models import ReflectionDraft, StudyPosition

        for model in (ActivityCompletion, QuizAttempt, ReflectionDraft, StudyPosition):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model.__name__


def test_candidate_not_enrolled_cannot_see_or_post_to_a_module(client, demo):
    outsider = make_user(demo, "outsider@school.example", name="Olly Outsider", roles=(Role.CANDIDATE,))
    login(client, outsider.email, outsider.password)
    first = activity_ids(demo, "M01")[0]
    assert client.get("/study/CCQ/M01").status_code == 404
    assert client.get(f"/study/CCQ/M01/{first}").status_code == 404
    token = csrf_from(client.get("/account").get_data(as_text=True))
    assert set(_post_everything(client, first, token).values()) == {404}
    assert "You are not enrolled on a module yet." in page_text(client.get("/"))
    _no_study_rows(demo)


def test_candidate_cannot_open_a_module_they_do_not_study(jo, demo):
    # M05 is the option Jo did not choose; M09 belongs to another award.
    for code in ("M05", "M09", "NOPE"):
        assert jo.get(f"/study/CCQ/{code}").status_code == 404


@pytest.mark.parametrize("email", [LEADER, TOM])
def test_staff_cannot_use_the_study_pages(client, demo, email):
    login(client, email, DEMO_PASSWORD)
    first = activity_ids(demo, "M01")[0]
    assert client.get("/study/CCQ/M01").status_code == 403
    assert client.get(f"/study/CCQ/M01/{first}").status_code == 403
    token = csrf_from(client.get("/account").get_data(as_text=True))
    assert set(_post_everything(client, first, token).values()) == {403}
    _no_study_rows(demo)


def test_anonymous_cannot_study_and_is_sent_to_sign_in(client, demo):
    first = activity_ids(demo, "M01")[0]
    for url in ("/study/CCQ/M01", f"/study/CCQ/M01/{first}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/login?next={url}"
    token = csrf_from(client.get("/login").get_data(as_text=True))
    statuses = _post_everything(client, first, token)
    assert set(statuses.values()) == {302}, statuses
    _no_study_rows(demo)


def test_the_module_page_carries_on_where_the_candidate_stopped_in_an_activity(jo, demo):
    # Jo scrolled to a place in M01's third activity on another device (the page sends its anchor).
    third = activity_ids(demo, "M01")[2]
    opened = jo.get(f"/study/CCQ/M01/{third}")
    token = csrf_from(opened.get_data(as_text=True))
    remembered = jo.post(f"/study/CCQ/M01/{third}/position", data={"csrf_token": token, "anchor": "step-2"})
    assert remembered.status_code in (200, 204)

    module = jo.get("/study/CCQ/M01").get_data(as_text=True)
    assert f'href="/study/CCQ/M01/{third}#step-2"' in module
    assert "Start:" in module  # nothing done yet: the button starts, at the remembered place
