"""The study planner: a plan that fits tonight's minutes, and study time against notional hours."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from modules.content.models import Activity, ActivityKind
from modules.planner.rules import plan_evening
from modules.study.models import StudyLog
from tests.support.demo import demo_fixture, load_demo_data
from tests.support.html import csrf_from, login
from tests.support.people import DEMO_PASSWORD, JO


def _activity(minutes, kind=ActivityKind.LESSON, requires_previous=False, n=[0]):  # noqa: B006
    n[0] += 1
    return Activity(
        id=n[0], kind=kind, title=f"A{n[0]}", minutes=minutes, requires_previous=requires_previous
    )


@pytest.mark.parametrize(
    ("minutes", "budget", "expected"),
    [
        ([10, 10, 10], 25, [0, 1]),
        ([10, 30, 5], 25, [0, 2]),
        ([30, 5], 25, [1]),
        ([25], 25, [0]),
        ([40], 25, []),
    ],
)
def test_plan_takes_activities_in_order_while_they_fit(minutes, budget, expected):
    queue = [_activity(m) for m in minutes]
    plan = plan_evening(queue, budget)
    assert [queue.index(a) for a in plan.activities] == expected
    assert plan.minutes == sum(minutes[i] for i in expected)
    assert plan.minutes <= budget


def test_plan_never_jumps_an_activity_that_the_next_one_waits_for():
    queue = [_activity(30), _activity(5, requires_previous=True), _activity(5)]
    plan = plan_evening(queue, 20)
    assert [a.title for a in plan.activities] == [queue[2].title]
    assert plan.skipped_longer == (queue[0],)


def test_plan_leaves_out_sessions():
    queue = [_activity(90, kind=ActivityKind.SESSION), _activity(10)]
    assert [a.title for a in plan_evening(queue, 120).activities] == [queue[1].title]


demo = demo_fixture(load_demo_data)


def test_candidate_can_plan_25_minutes(client, demo):
    login(client, JO, DEMO_PASSWORD)
    page = client.get("/study/planner?minutes=25").get_data(as_text=True)
    assert "Tonight&#39;s plan" in page or "Tonight's plan" in page
    assert "Holding a needs conversation" in page  # the first M01 lesson, 12 minutes
    with demo.app_context():
        first = db.session.scalar(select(Activity).where(Activity.title == "Holding a needs conversation"))
        assert first.minutes <= 25


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("0", "Between 5 and 240 minutes."),
        ("999", "Between 5 and 240 minutes."),
        ("abc", "Not a valid integer value."),
    ],
)
def test_candidate_gets_a_message_for_a_bad_number_of_minutes(client, demo, minutes, message):
    login(client, JO, DEMO_PASSWORD)
    page = client.get(f"/study/planner?minutes={minutes}").get_data(as_text=True)
    assert "plan-heading" not in page
    assert message in page


def test_candidate_can_log_study_time_and_see_it_against_notional_hours(client, demo):
    login(client, JO, DEMO_PASSWORD)
    page = client.get("/study/planner").get_data(as_text=True)
    assert "notional hours of your modules" in page
    data = {
        "csrf_token": csrf_from(page),
        "studied_on": date.today().isoformat(),  # noqa: DTZ011
        "minutes": "45",
        "module_code": "M01",
        "note": "Read the needs-conversation lesson",
    }
    response = client.post("/study/planner/log", data=data, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "45 minutes of study logged." in text
    assert "0.8 hours" in text
    assert "of the 600 notional hours" in text  # M01-M04: 60 credits x 10 hours
    with demo.app_context():
        assert db.session.scalar(select(func.count(StudyLog.id))) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("minutes", "0", "Between 1 and 720."),
        ("minutes", "800", "Between 1 and 720."),
        ("studied_on", (date.today() + timedelta(days=2)).isoformat(), "cannot be in the future"),  # noqa: DTZ011
        ("module_code", "M99", "Not a valid choice"),
    ],
)
def test_candidate_cannot_log_bad_study_time(client, demo, field, value, message):
    login(client, JO, DEMO_PASSWORD)
    page = client.get("/study/planner").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "studied_on": date.today().isoformat(), "minutes": "30"}  # noqa: DTZ011
    data[field] = value
    response = client.post("/study/planner/log", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with demo.app_context():
        assert db.session.scalar(select(func.count(StudyLog.id))) == 0


def test_staff_cannot_use_the_planner(client, demo):
    login(client, "assessor@northmoor.example", DEMO_PASSWORD)
    assert client.get("/study/planner").status_code == 403


def test_the_plan_and_the_log_each_label_their_own_minutes_input(client, demo):
    login(client, JO, DEMO_PASSWORD)
    body = client.get("/study/planner?minutes=25").get_data(as_text=True)
    ids = re.findall(r'<input\b[^>]*\bid="([^"]+)"', body)
    assert len(ids) == len(set(ids)), ids  # no two inputs share an id
    for input_id in ("minutes", "log-minutes"):
        assert f'<label for="{input_id}"' in body, input_id
    assert re.search(
        r'<input\b[^>]*\bid="log-minutes"[^>]*\bname="minutes"|'
        r'<input\b[^>]*\bname="minutes"[^>]*\bid="log-minutes"',
        body,
    )
