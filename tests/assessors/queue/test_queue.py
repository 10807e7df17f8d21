"""The assessor's queue: what is in it (allocated work only), filters, order, keyset pages, overdue against
the cohort's turnaround in working days, and a fixed number of SQL statements however long it is."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from sqlalchemy import select, update

from assessors.queue.queries.page import decode_cursor
from assessors.queue.rules import (
    add_working_days,
    days_waited,
    is_overdue,
    overdue_cutoff,
    start_of_uk_day,
    today_uk,
    working_days_between,
)
from core.extensions import db
from portfolio.submissions.models import Submission
from qualification.cohorts.models import Cohort
from tests.support.demo import demo_fixture
from tests.support.html import page_text, signed_in
from tests.support.marking import load_marking_demo, submit_m01
from tests.support.people import CHRIS, JO, TOM
from tests.support.queue import TO_PLAN, _ids, add_waiting, assert_fixed_statements, next_link, rows_of

# Working days, pure ---------------------------------------------------------------------------------------


_ENGLAND_AND_WALES = holidays.country_holidays("GB", subdiv="ENG")


def _brute_working_days(start: date, end: date) -> int:
    days = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
    return sum(1 for d in days if d.weekday() < 5 and d not in _ENGLAND_AND_WALES)


def test_working_days_count_monday_to_friday_after_the_start_day_without_bank_holidays():
    rng = random.Random(6)
    for _ in range(400):
        start = date(2026, 1, 1) + timedelta(days=rng.randrange(400))
        end = start + timedelta(days=rng.randrange(-3, 60))
        assert working_days_between(start, end) == max(0, _brute_working_days(start, end)), (start, end)
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 23)) == 1  # Friday to Monday
    # Christmas Day (Friday) and Boxing Day's substitute (Monday 28th) are not working days.
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 7)) == 1  # Good Friday, Easter Monday


def test_the_due_date_is_the_target_th_working_day_after_arrival():
    rng = random.Random(7)
    for _ in range(400):
        start, target = date(2026, 1, 1) + timedelta(days=rng.randrange(400)), rng.randrange(1, 121)
        due = add_working_days(start, target)
        assert due.weekday() < 5
        assert due not in _ENGLAND_AND_WALES
        assert working_days_between(start, due) == target
        assert working_days_between(start, due - timedelta(days=1)) == target - 1


def test_overdue_is_exactly_before_the_cutoff_for_every_target_and_day():
    rng = random.Random(8)
    for _ in range(300):
        today, target = date(2026, 1, 1) + timedelta(days=rng.randrange(400)), rng.randrange(1, 40)
        cutoff = overdue_cutoff(target, today)
        for back in range(0, 70, 3):
            arrived = start_of_uk_day(today - timedelta(days=back)) + timedelta(hours=rng.randrange(24))
            assert is_overdue(arrived, target, today) == (arrived < cutoff), (today, target, arrived)


def test_uk_summer_time_is_respected_at_the_start_of_a_day():
    assert start_of_uk_day(date(2026, 7, 1)) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert start_of_uk_day(date(2026, 12, 1)) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    late_evening = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in the UK
    assert days_waited(late_evening, date(2026, 7, 2)) == 1


# Building a queue ----------------------------------------------------------------------------------------


demo = demo_fixture(load_marking_demo)


# What is in it -------------------------------------------------------------------------------------------


def test_assessor_sees_only_work_of_candidates_allocated_to_them(demo):
    app = demo
    jo, chris = signed_in(app, JO), signed_in(app, CHRIS)
    submit_m01(app, jo)
    submit_m01(app, chris, "Chris's referral write-up")
    add_waiting(app, claims=1, observations=1)
    tom = signed_in(app, TOM)
    text = page_text(tom.get("/assessors/queue"))
    assert "Submission: M01 attempt 1" in text
    assert "APL claim: M02" in text
    assert "Observation to write up: M01" in text
    assert "Chris Evans" not in text
    helen = signed_in(app, "assessor2@northmoor.example")
    theirs = page_text(helen.get("/assessors/queue"))
    assert "Chris Evans" in theirs
    assert "Jo Patel" not in theirs


def test_assessor_can_filter_by_kind_module_and_cohort(demo):
    app = demo
    add_waiting(app, submissions=2, claims=1, observations=1)
    tom = signed_in(app, TOM)
    cohort = _ids(app)["cohort"]
    assert all(r.startswith("apl-") for r in rows_of(tom.get("/assessors/queue?kind=apl")))
    assert len(rows_of(tom.get("/assessors/queue?kind=apl"))) == 1
    assert len(rows_of(tom.get("/assessors/queue?kind=observation"))) == 1
    # The two M03 submissions, and Jo's and Morgan's M03 waiting for an observation to be planned.
    m03 = rows_of(tom.get("/assessors/queue?module=M03"))
    assert sorted(r.split("-")[0] for r in m03) == ["observation_plan"] * 2 + ["resubmission", "submission"]
    assert len(rows_of(tom.get(f"/assessors/queue?cohort={cohort}"))) == 4 + TO_PLAN - 1  # Jo's M01 planned
    empty = tom.get("/assessors/queue?module=M09")
    assert "Nothing in your queue matches these filters." in page_text(empty)


def test_assessor_sees_days_waited_against_the_target_and_can_filter_overdue(demo):
    app = demo
    add_waiting(app, submissions=1, days_ago=40)
    add_waiting(app, claims=1, days_ago=1)
    tom = signed_in(app, TOM)
    text = page_text(tom.get("/assessors/queue"))
    waited = days_waited(datetime.now(UTC) - timedelta(days=40), today_uk())
    assert f"{waited} of 15 Overdue" in text
    overdue = rows_of(tom.get("/assessors/queue?overdue=y"))
    assert len(overdue) == 1
    assert overdue[0].startswith("submission-")
    with app.app_context():
        db.session.scalars(select(Cohort)).one().turnaround_days = 120
        db.session.commit()
    assert rows_of(tom.get("/assessors/queue?overdue=y")) == []
    assert "Nothing in your queue matches these filters." in page_text(tom.get("/assessors/queue?overdue=y"))


def test_no_due_date_falls_on_christmas_day(demo, monkeypatch):
    """Work arriving on Friday 4 December 2026 with the 15-day target: 15 weekdays would end on Christmas
    Day; without Christmas and Boxing Day's substitute (Monday 28th) it is due on Tuesday 29 December."""
    add_waiting(demo, submissions=1)
    with demo.app_context():
        db.session.execute(
            update(Submission)
            .where(Submission.module_code == "M03")
            .values(submitted_at=datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
        )
        db.session.commit()
    monkeypatch.setattr("assessors.queue.views.today_uk", lambda: date(2026, 12, 10))
    tom = signed_in(demo, TOM)
    text = page_text(tom.get("/assessors/queue?kind=submission"))
    assert "4 of 15 , due 29 December 2026" in text
    assert "25 December" not in text
    monkeypatch.setattr("assessors.queue.views.today_uk", lambda: date(2026, 12, 29))
    assert "Overdue" not in page_text(tom.get("/assessors/queue?kind=submission"))
    assert rows_of(tom.get("/assessors/queue?kind=submission&overdue=y")) == []


def test_assessor_pages_through_a_long_queue_oldest_or_newest_first(demo):
    app = demo
    add_waiting(app, submissions=70, claims=20, observations=15)
    add_waiting(app, submissions=10, same_time=True)  # ties on waiting_since are ordered by kind and id
    tom = signed_in(app, TOM)
    for order in ("oldest", "newest"):
        seen, url, pages = [], f"/assessors/queue?sort={order}", []
        while url:
            page = tom.get(url)
            assert page.status_code == 200
            pages.append(url)
            seen += rows_of(page)
            url = next_link(page)
        assert len(pages) == 3
        waiting = 115 + TO_PLAN - 1  # Jo's M01 has observations planned: no longer one to plan
        assert len(seen) == waiting
        assert len(set(seen)) == waiting  # every row exactly once (the row key names kind and id)
        last = tom.get(pages[-1])
        back = tom.get(next_link(last, "prev"))
        assert rows_of(back) == rows_of(tom.get(pages[-2]))
    oldest = [r for r in rows_of(tom.get("/assessors/queue")) if r.startswith("observation-")]
    assert oldest  # planned 14 days ago and more: the oldest work


def test_a_tampered_cursor_gives_the_first_page(demo):
    app = demo
    add_waiting(app, submissions=3)
    tom = signed_in(app, TOM)
    first = rows_of(tom.get("/assessors/queue"))
    assert rows_of(tom.get("/assessors/queue?cursor=not-a-cursor")) == first
    assert decode_cursor("e30") is None


def test_people_who_are_not_assessors_have_no_queue(demo):
    app = demo
    assert signed_in(app, JO).get("/assessors/queue").status_code == 403
    assert signed_in(app, "iqa@northmoor.example").get("/assessors/queue").status_code == 403


def test_assessor_home_shows_waiting_overdue_and_ready_counts(demo):
    app = demo
    add_waiting(app, submissions=2, days_ago=30)
    add_waiting(app, claims=1)
    text = page_text(signed_in(app, TOM).get("/"))
    assert f"{3 + TO_PLAN} waiting in your queue" in text
    assert "2 overdue" in text  # a module waiting for an observation to be planned is never overdue
    assert f"{TO_PLAN} modules need an observation planned" in text
    assert "0 ready for release" in text
    assert "waiting in your queue" not in page_text(signed_in(app, JO).get("/"))


# Query budget (quality.md W3: <= 8 statements, fixed) -----------------------------------------------------


@pytest.mark.parametrize("url", ["/assessors/queue", "/assessors/queue?overdue=y&sort=newest&kind=apl"])
def test_queue_page_runs_a_fixed_number_of_statements(demo, url):
    app = demo
    add_waiting(app, submissions=1, claims=1, observations=1, days_ago=20)
    grow = lambda: add_waiting(app, submissions=40, claims=10, observations=7, days_ago=20)  # noqa: E731
    assert_fixed_statements(app, signed_in(app, TOM), url, grow)


def test_the_demo_leaves_jos_m01_waiting_for_tom_once(app, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Demo assessment loaded" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert "Demo already loaded; nothing changed." in second.output
    rows = rows_of(signed_in(app, TOM).get("/assessors/queue"))
    # Jo's M01 submission, and the modules of Tom's candidates that wait for an observation to be planned.
    assert [r for r in rows if not r.startswith("observation_plan-")] == [
        next(r for r in rows if r.endswith("Submission: M01 attempt 1"))
    ]
    assert len(rows) == 1 + TO_PLAN
    helens = rows_of(signed_in(app, "assessor2@northmoor.example").get("/assessors/queue"))
    assert helens  # Chris's modules, waiting for Helen to plan an observation; nothing to mark
    assert all(r.startswith("observation_plan-") for r in helens)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Submission)) == 1
