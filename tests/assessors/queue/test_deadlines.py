"""Work against module deadlines, in the assessor's queue and the cohort report: an attempt that came in after
the candidate's deadline (extended when an extension was granted) says so; modules past the deadline with
nothing handed in are listed; and the queue still runs a fixed number of statements."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.extensions import db
from portfolio.submissions.models import Submission, SubmissionStatus
from qualification.deadlines.models import DeadlineExtension, ExtensionStatus, ModuleDeadline
from tests.support.deadlines import today
from tests.support.demo import demo_fixture, demo_ids, load_demo_data
from tests.support.html import page_text, signed_in
from tests.support.membership import days_ago, joined_days_ago, record_return, start_break
from tests.support.people import HELEN, JO, LEADER, MORGAN, TOM
from tests.support.queue import _ids, add_waiting, assert_fixed_statements, rows_of

demo = demo_fixture(load_demo_data, content=False)


def _deadline(app, code: str, days: int) -> int:
    """A deadline `days` from today (in the past when negative: the form refuses those, the past is data)."""
    with app.app_context():
        cohort = _ids(app)["cohort"]
        row = ModuleDeadline(cohort_id=cohort, module_code=code, due_on=today() + timedelta(days=days))
        db.session.add(row)
        db.session.commit()
        return row.id


def _granted(app, deadline: int, email: str, days: int) -> None:
    """An extension of the deadline granted to the candidate until `days` from today."""
    _, ids = demo_ids(app)
    until = today() + timedelta(days=days)
    with app.app_context():
        db.session.add(
            DeadlineExtension(
                deadline_id=deadline,
                candidate_id=ids[email],
                reason="Inspection",
                proposed_until=until,
                status=ExtensionStatus.GRANTED,
                granted_until=until,
                decided_by_id=ids[LEADER],
                decided_at=datetime.now(UTC),
            )
        )
        db.session.commit()


def _row(response, who: str) -> str:
    """The text of the queue's row of this candidate's work."""
    body = response.get_data(as_text=True)
    row = next(r for r in re.findall(r'<tr id="queue-.*?</tr>', body, re.S) if who in r)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", row))).strip()


def test_the_queue_says_which_work_came_in_after_the_candidates_deadline(demo):
    app = demo
    m03 = _deadline(app, "M03", -10)
    add_waiting(app, submissions=1, days_ago=5)  # Jo: 5 days after the deadline
    add_waiting(app, submissions=1, email=MORGAN, days_ago=5)  # Morgan: within the extension he was granted
    _granted(app, m03, MORGAN, -3)
    queue = signed_in(app, TOM).get("/assessors/queue")
    deadline = (today() - timedelta(days=10)).strftime("%-d %B %Y")
    assert _row(queue, "Jo Patel").startswith(
        f"Submission: M03 attempt 1 Submitted 5 days late , deadline {deadline}"
    )
    assert "late" not in _row(queue, "Morgan Lee")


def test_a_resubmission_after_a_referral_is_not_late(demo):
    app = demo
    _deadline(app, "M03", -10)
    add_waiting(app, submissions=1, days_ago=8)
    with app.app_context():
        first = db.session.scalars(select(Submission)).one()
        first.status = SubmissionStatus.REFERRED
        db.session.commit()
    add_waiting(app, submissions=1, days_ago=2)
    rows = rows_of(signed_in(app, TOM).get("/assessors/queue"))
    assert [r for r in rows if r.startswith("resubmission-")] == [
        next(r for r in rows if r.startswith("resubmission-") and r.endswith("M03 attempt 2"))
    ]


def test_modules_past_the_deadline_with_nothing_handed_in_are_listed_for_their_assessor(demo):
    app = demo
    m01 = _deadline(app, "M01", -4)
    _granted(app, m01, JO, 3)  # Jo has until three days from now
    tom = page_text(signed_in(app, TOM).get("/assessors/queue"))
    assert "Past the deadline, nothing handed in (1)" in tom
    assert "Morgan Lee M01 Communicating and Working with Others in CEIAG" in tom
    assert "Jo Patel" not in tom.split("Past the deadline")[1]
    helen = page_text(signed_in(app, HELEN).get("/assessors/queue"))
    assert "Chris Evans M01" in helen.split("Past the deadline")[1]
    # Once Morgan hands it in, it is no longer overdue.
    with app.app_context():
        ids = _ids(app)
        db.session.add(
            Submission(
                candidate_id=ids["people"][MORGAN],
                cohort_id=ids["cohort"],
                family="CCQ",
                module_code="M01",
                module_id=ids["modules"]["M01"],
                attempt=1,
                snapshot_hash="0" * 64,
            )
        )
        db.session.commit()
    assert "Past the deadline" not in page_text(signed_in(app, TOM).get("/assessors/queue"))


def test_the_queue_runs_a_fixed_number_of_statements_with_deadlines_and_extensions(demo):
    app = demo
    m03 = _deadline(app, "M03", -10)
    m01 = _deadline(app, "M01", -4)
    add_waiting(app, submissions=1, days_ago=5)

    def grow():
        add_waiting(app, submissions=30, days_ago=5)
        add_waiting(app, submissions=10, email=MORGAN, days_ago=6)
        _granted(app, m03, MORGAN, -2)
        _granted(app, m01, JO, -1)

    assert_fixed_statements(app, signed_in(app, TOM), "/assessors/queue", grow)


def test_the_overdue_lookup_runs_only_when_the_assessors_cohorts_have_a_deadline(demo):
    """Found with the assessor's cohorts: with no deadline in them nothing can be overdue, so the queue page
    runs no statement for it (it grew with the assessor's caseload, issue 15)."""
    from tests.support.queries import statements_for

    app = demo
    tom = signed_in(app, TOM)
    without = statements_for(app, tom, "/assessors/queue")
    assert "Past the deadline" not in page_text(tom.get("/assessors/queue"))
    _deadline(app, "M01", -4)
    with_one = statements_for(app, tom, "/assessors/queue")
    assert with_one == without + 1
    assert "Past the deadline, nothing handed in" in page_text(tom.get("/assessors/queue"))


def test_the_cohort_report_counts_late_and_overdue_modules(demo):
    app = demo
    _deadline(app, "M03", -10)
    _deadline(app, "M01", -4)
    add_waiting(app, submissions=1, days_ago=5)  # Jo's M03, late
    cohort = _ids(app)["cohort"]
    leader = signed_in(app, LEADER)
    text = page_text(leader.get(f"/cohorts/{cohort}/report"))
    assert "Modules submitted late" in text
    assert "Modules overdue" in text
    rows = list(
        # utf-8-sig: the CSV starts with a byte-order mark, for Excel.
        csv.DictReader(
            io.StringIO(leader.get(f"/cohorts/{cohort}/report.csv").get_data().decode("utf-8-sig"))
        )
    )
    by_name = {row["Name"]: row for row in rows}
    # Jo: M03 late, M01 overdue; Chris and Morgan: M01 and M03 overdue.
    assert (by_name["Jo Patel"]["Modules submitted late"], by_name["Jo Patel"]["Modules overdue"]) == (
        "1",
        "1",
    )
    for name in ("Morgan Lee", next(n for n in by_name if n.startswith("Chris Evans"))):
        assert (by_name[name]["Modules submitted late"], by_name[name]["Modules overdue"]) == ("0", "2")


def _break(app, email: str, starts: int, back: int | None = None) -> None:
    """The course leader records a break that began `starts` days ago (and the return `back` days ago)."""
    cohort, people = _ids(app)["cohort"], _ids(app)["people"]
    joined_days_ago(app, cohort)
    leader = signed_in(app, LEADER)
    start_break(leader, cohort, people[email], starts_on=days_ago(starts))
    if back is not None:
        record_return(leader, cohort, people[email], days_ago(back))


def test_a_break_moves_the_deadline_work_is_late_against_and_no_one_away_is_overdue(demo):
    app = demo
    _deadline(app, "M03", -10)
    _deadline(app, "M01", -4)
    add_waiting(app, submissions=1, days_ago=5)  # Jo's M03: 5 days late, were it not for her break
    _break(app, JO, starts=15, back=8)  # 7 days away: her M03 deadline was 3 days ago, her M01 is ahead
    _break(app, MORGAN, starts=2)  # away now (his M01 had passed when he went): never overdue while away

    tom = signed_in(app, TOM).get("/assessors/queue")
    assert "late" not in _row(tom, "Jo Patel")
    assert "Past the deadline" not in page_text(tom)
    cohort = _ids(app)["cohort"]
    rows = list(
        csv.DictReader(
            # utf-8-sig: the CSV starts with a byte-order mark, for Excel.
            io.StringIO(
                signed_in(app, LEADER).get(f"/cohorts/{cohort}/report.csv").get_data().decode("utf-8-sig")
            )
        )
    )
    by_name = {row["Name"]: row for row in rows}
    counted = {name: (row["Modules submitted late"], row["Modules overdue"]) for name, row in by_name.items()}
    assert counted["Jo Patel"] == ("0", "0")
    assert counted["Morgan Lee"] == ("0", "0")
    assert counted[next(n for n in by_name if n.startswith("Chris Evans"))] == ("0", "2")


def test_the_queue_runs_a_fixed_number_of_statements_with_breaks_in_learning(demo):
    app = demo
    _deadline(app, "M03", -10)
    add_waiting(app, submissions=1, days_ago=5)

    def grow():
        add_waiting(app, submissions=10, email=MORGAN, days_ago=6)
        _break(app, JO, starts=15, back=8)
        _break(app, MORGAN, starts=2)

    assert_fixed_statements(app, signed_in(app, TOM), "/assessors/queue", grow)
