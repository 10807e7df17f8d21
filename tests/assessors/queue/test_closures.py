"""Turnaround leaves out the cohort's closure days as well as weekends and bank holidays (issue 11, 8): the
course leader enters the university's Christmas closure on the cohort's settings page, and the assessor's
queue, the due dates, the overdue flag and filter, and the assessor's and leader's home counts all follow."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import holidays
from sqlalchemy import update

from assessors.queue.rules import (
    add_working_days,
    closed_days,
    days_waited,
    due_date,
    is_overdue,
    overdue_cutoff,
    start_of_uk_day,
    working_days_between,
)
from core.extensions import db
from portfolio.submissions.models import Submission
from tests.support.demo import demo_fixture
from tests.support.html import page_text, press, signed_in
from tests.support.marking import load_marking_demo
from tests.support.people import LEADER, TOM
from tests.support.queue import _ids, add_waiting, rows_of

CHRISTMAS = (date(2026, 12, 24), date(2027, 1, 2))


# The rules, pure: random closures against counting day by day ------------------------------------------


def test_working_days_due_dates_and_cutoffs_leave_out_closure_days():
    bank = holidays.country_holidays("GB", subdiv="ENG")
    rng = random.Random(12)
    for _ in range(300):
        first = date(2026, 1, 1) + timedelta(days=rng.randrange(400))
        closed = closed_days([(first, first + timedelta(days=rng.randrange(0, 15)))])
        start = first - timedelta(days=rng.randrange(0, 30))
        end = start + timedelta(days=rng.randrange(-3, 70))
        days = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
        brute = sum(1 for d in days if d.weekday() < 5 and d not in bank and d not in closed)
        assert working_days_between(start, end, closed) == brute, (start, end, first)
        target = rng.randrange(1, 40)
        due = add_working_days(start, target, closed)
        assert due not in closed
        assert due not in bank
        assert due.weekday() < 5
        assert working_days_between(start, due, closed) == target
        today = end
        cutoff = overdue_cutoff(target, today, closed)
        for back in range(0, 80, 4):
            arrived = start_of_uk_day(today - timedelta(days=back)) + timedelta(hours=rng.randrange(24))
            assert is_overdue(arrived, target, today, closed) == (arrived < cutoff)


# As the people see it ------------------------------------------------------------------------------------


demo = demo_fixture(load_marking_demo)


def _submitted_on(app, moment: datetime) -> datetime:
    add_waiting(app, submissions=1)
    with app.app_context():
        db.session.execute(
            update(Submission).where(Submission.module_code == "M03").values(submitted_at=moment)
        )
        db.session.commit()
    return moment


def _today(monkeypatch, day: date) -> None:
    for where in ("assessors.queue.views", "assessors.queue.queries.page", "assessors.queue.queries.leader"):
        monkeypatch.setattr(f"{where}.today_uk", lambda now=None, day=day: day)


def _close_for_christmas(app) -> None:
    leader = signed_in(app, LEADER)
    page = leader.get(f"/cohorts/{_ids(app)['cohort']}/settings")
    data = {"closure-first_day": "2026-12-24", "closure-last_day": "2027-01-02", "closure-label": "Christmas"}
    assert "Closed 24 December 2026 to 2 January 2027" in page_text(
        press(leader, page, "Add the closure", data)
    )


def _closed_working_days() -> int:
    """Weekdays of the closure that are not bank holidays anyway: the days the closure takes off."""
    bank = holidays.country_holidays("GB", subdiv="ENG", years=(2026, 2027))
    first, last = CHRISTMAS
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return sum(1 for d in days if d.weekday() < 5 and d not in bank)


def test_work_submitted_before_christmas_is_due_later_by_exactly_the_closed_working_days(demo, monkeypatch):
    submitted = _submitted_on(demo, datetime(2026, 12, 21, 12, 0, tzinfo=UTC))  # a Monday
    _today(monkeypatch, date(2026, 12, 22))
    tom = signed_in(demo, TOM)
    before = due_date(submitted, 15)
    assert f"due {before:%-d %B %Y}" in page_text(tom.get("/assessors/queue?kind=submission"))

    _close_for_christmas(demo)
    closed = _closed_working_days()
    assert closed == 4  # Thursday 24th, 29th, 30th and 31st December; the rest are weekends or bank holidays
    after = add_working_days(before, closed)
    text = page_text(tom.get("/assessors/queue?kind=submission"))
    assert f"due {after:%-d %B %Y}" in text
    assert f"due {before:%-d %B %Y}" not in text
    assert after == due_date(submitted, 15, closed_days([CHRISTMAS]))
    assert working_days_between(before, after) == closed


def test_no_due_date_falls_on_a_closure_day(demo, monkeypatch):
    """Work arriving on Thursday 3 December 2026 with the 15-day target would be due on Thursday 24
    December: with the university closed from the 24th it is due on the first working day after the closure
    and the New Year bank holiday, Monday 4 January 2027."""
    _submitted_on(demo, datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    _today(monkeypatch, date(2026, 12, 4))
    tom = signed_in(demo, TOM)
    assert "due 24 December 2026" in page_text(tom.get("/assessors/queue?kind=submission"))
    _close_for_christmas(demo)
    text = page_text(tom.get("/assessors/queue?kind=submission"))
    assert "due 4 January 2027" in text
    assert "due 24 December 2026" not in text


def test_closure_days_stop_work_being_overdue_in_the_queue_filter_and_the_home_pages(demo, monkeypatch):
    submitted = _submitted_on(demo, datetime(2026, 12, 14, 12, 0, tzinfo=UTC))  # a Monday
    today = date(2027, 1, 12)
    _today(monkeypatch, today)
    tom, leader = signed_in(demo, TOM), signed_in(demo, LEADER)
    assert days_waited(submitted, today) > 15
    assert len(rows_of(tom.get("/assessors/queue?overdue=y"))) == 1
    assert "1 overdue" in page_text(tom.get("/"))
    assert "1 overdue" in page_text(leader.get("/"))

    _close_for_christmas(demo)
    waited = days_waited(submitted, today, closed_days([CHRISTMAS]))
    assert waited == days_waited(submitted, today) - _closed_working_days() <= 15
    text = page_text(tom.get("/assessors/queue?kind=submission"))
    assert f"{waited} of 15" in text
    assert "Overdue" not in text
    assert rows_of(tom.get("/assessors/queue?overdue=y")) == []
    assert "None overdue" in page_text(tom.get("/"))
    assert "No marking is overdue." in page_text(leader.get("/"))
