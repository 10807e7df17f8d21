"""A candidate's break in learning stops the clock of their waiting work: while they are away it shows as
paused and is never overdue; once they are back, the break's working days do not count towards the days
waited. A withdrawn candidate's work leaves the queues."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import holidays
import pytest
from sqlalchemy import select

from core.extensions import db
from portfolio.submissions.models import Submission
from tests.support.demo import demo_ids, load_demo_data
from tests.support.html import page_text, signed_in
from tests.support.membership import joined_days_ago, record_return, start_break, today, withdraw
from tests.support.people import JO, LEADER, MORGAN, TOM
from tests.support.queue import add_waiting, rows_of

_ENGLAND_AND_WALES = holidays.country_holidays("GB", subdiv="ENG")


def _working(first: date, last: date) -> set[date]:
    """The working days from first to last, both included (counted afresh, not by the code under test)."""
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return {d for d in days if d.weekday() < 5 and d not in _ENGLAND_AND_WALES}


@pytest.fixture
def demo(app):
    """Jo and Morgan (both Tom's) each with one M03 attempt waiting for 40 days: overdue, as it stands."""
    load_demo_data(app, content=False)
    cohort, people = demo_ids(app)
    joined_days_ago(app, cohort, 120)
    add_waiting(app, submissions=1, days_ago=40)
    add_waiting(app, submissions=1, days_ago=40, email=MORGAN)
    with app.app_context():
        ids = dict(db.session.execute(select(Submission.candidate_id, Submission.id)).all())
    return app, cohort, people, {JO: ids[people[JO]], MORGAN: ids[people[MORGAN]]}


def _row(response, submission_id: int) -> str:
    body = response.get_data(as_text=True)
    found = re.search(rf'<tr id="queue-(?:re)?submission-{submission_id}"[^>]*>(.*?)</tr>', body, re.S)
    assert found, f"no row for submission {submission_id}"
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))).strip()


def _attempts(response) -> set[int]:
    """The ids of the attempts (submissions and resubmissions) listed on a queue page."""
    return {int(key.split("-")[1]) for key, *_ in map(str.split, rows_of(response)) if "submission" in key}


def _arrived(app, submission_id: int) -> date:
    from assessors.queue.rules import uk_date

    with app.app_context():
        return uk_date(db.session.get(Submission, submission_id).submitted_at)


def test_a_candidate_on_a_break_has_their_waiting_work_paused_never_overdue(demo):
    app, cohort, people, attempts = demo
    tom = signed_in(app, TOM)
    assert "Overdue" in _row(tom.get("/assessors/queue"), attempts[JO])

    start_break(
        signed_in(app, LEADER), cohort, people[JO], starts_on=(today() - timedelta(days=30)).isoformat()
    )

    queue = tom.get("/assessors/queue")
    jo_row = _row(queue, attempts[JO])
    assert "Paused" in jo_row
    assert "the candidate is on a break in learning" in jo_row
    assert "Overdue" not in jo_row
    # The days waited stop at the break: the working days after she submitted, before it began.
    before = _working(_arrived(app, attempts[JO]) + timedelta(days=1), today() - timedelta(days=31))
    assert jo_row.split(" Paused")[0].endswith(str(len(before)))
    assert "Overdue" in _row(queue, attempts[MORGAN])  # nobody else's clock stopped
    assert _attempts(tom.get("/assessors/queue?overdue=y")) == {attempts[MORGAN]}
    assert "1 overdue" in page_text(tom.get("/"))


def test_after_the_return_the_days_of_the_break_do_not_count(demo):
    app, cohort, people, attempts = demo
    leader = signed_in(app, LEADER)
    start = today() - timedelta(days=30)
    start_break(leader, cohort, people[JO], starts_on=start.isoformat())
    back = today() - timedelta(days=1)
    record_return(leader, cohort, people[JO], back.isoformat())

    tom = signed_in(app, TOM)
    jo_row = _row(tom.get("/assessors/queue"), attempts[JO])

    arrived = _arrived(app, attempts[JO])
    waited = _working(arrived + timedelta(days=1), today()) - _working(start, back - timedelta(days=1))
    assert f"{len(waited)} of 15" in jo_row
    assert "Paused" not in jo_row
    assert len(waited) < 15  # ten days before the break and two after: no longer overdue
    assert "Overdue" not in jo_row
    listed = _attempts(tom.get("/assessors/queue?overdue=y"))
    assert attempts[JO] not in listed
    assert attempts[MORGAN] in listed


def test_a_withdrawn_candidates_work_leaves_the_queues(demo):
    app, cohort, people, attempts = demo
    withdraw(signed_in(app, LEADER), cohort, people[JO], "Jo Patel", "Moved abroad")

    tom = signed_in(app, TOM)
    assert _attempts(tom.get("/assessors/queue")) == {attempts[MORGAN]}
    assert "Jo Patel" not in page_text(tom.get("/assessors/queue"))
    with app.app_context():
        assert db.session.get(Submission, attempts[JO]).status == "submitted"  # kept, unjudged
