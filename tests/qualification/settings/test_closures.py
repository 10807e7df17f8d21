"""A course leader enters the university's closure days for a cohort (one day, or a range such as 24 December
to 2 January) and takes them off again; bad dates get a clear message and change nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.extensions import db
from qualification.cohorts.models import CohortClosure
from tests.support.cohorts import create_cohort
from tests.support.html import page_text, press

ADD = "Add the closure"


def closures(app, cohort_id: int) -> list[tuple[date, date, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(CohortClosure)
            .where(CohortClosure.cohort_id == cohort_id)
            .order_by(CohortClosure.first_day)
        )
        return [(c.first_day, c.last_day, c.label) for c in rows]


def audited(app, action: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        return [json.loads(r.details_json) for r in rows]


def add(client, cohort_id: int, first: str, last: str = "", label: str = "", **kw):
    page = client.get(f"/cohorts/{cohort_id}/settings")
    data = {"closure-first_day": first, "closure-last_day": last, "closure-label": label}
    return press(client, page, ADD, data, **kw)


def test_course_leader_can_enter_closure_days_as_a_range_or_a_day(app, client, leader):
    cohort_id = create_cohort(client)
    shown = page_text(add(client, cohort_id, "2027-05-28", label="Graduation day"))
    assert "Closed 28 May 2027:" in shown
    shown = page_text(add(client, cohort_id, "2026-12-24", "2027-01-02", "Christmas closure"))
    assert "Closed 24 December 2026 to 2 January 2027: these days no longer count" in shown
    listed = (
        "24 December 2026 to 2 January 2027 (Christmas closure) 10 days Remove 24 December 2026 to 2 January"
    )
    assert f"{listed} 2027 28 May 2027 (Graduation day) 1 day" in shown  # in date order
    assert closures(app, cohort_id) == [
        (date(2026, 12, 24), date(2027, 1, 2), "Christmas closure"),
        (date(2027, 5, 28), date(2027, 5, 28), "Graduation day"),
    ]
    added = audited(app, "cohort_closure_added")
    assert [(a["first_day"], a["last_day"]) for a in added] == [
        ("2027-05-28", "2027-05-28"),
        ("2026-12-24", "2027-01-02"),
    ]
    # The cohort page says when the university is closed.
    cohort_page = page_text(client.get(f"/cohorts/{cohort_id}"))
    assert (
        "University closed 24 December 2026 to 2 January 2027 (Christmas closure); 28 May 2027" in cohort_page
    )


@pytest.mark.parametrize(
    ("first", "last", "label", "message"),
    [
        ("", "", "", "Enter the first day the university is closed."),
        ("24/12/2026", "", "", "Not a valid date value."),
        ("2027-01-02", "2026-12-24", "", "The last closed day cannot be before the first."),
        ("2026-12-24", "2027-12-24", "", "A closure can be at most 31 days: check the dates"),
        ("2027-01-02", "2027-01-04", "", "These days overlap a closure already entered: 24 December 2026 to"),
        ("2026-12-20", "2026-12-24", "", "overlap a closure already entered"),
        ("2027-02-01", "", "x" * 101, "Keep the description under 100 characters."),
    ],
)
def test_course_leader_cannot_enter_bad_closure_days(app, client, leader, first, last, label, message):
    cohort_id = create_cohort(client)
    add(client, cohort_id, "2026-12-24", "2027-01-02", "Christmas")
    before = closures(app, cohort_id)
    response = add(client, cohort_id, first, last, label, follow=False)
    assert response.status_code == 422
    shown = page_text(response)
    assert "There is a problem" in shown
    assert message in shown
    assert closures(app, cohort_id) == before
    assert len(audited(app, "cohort_closure_added")) == 1


def test_course_leader_can_take_a_closure_off(app, client, leader):
    cohort_id = create_cohort(client)
    add(client, cohort_id, "2026-12-24", "2027-01-02", "Christmas")
    add(client, cohort_id, "2027-04-01")
    page = client.get(f"/cohorts/{cohort_id}/settings")
    shown = page_text(press(client, page, "Remove 24 December 2026 to 2 January 2027"))
    assert "24 December 2026 to 2 January 2027 are working days again." in shown
    assert closures(app, cohort_id) == [(date(2027, 4, 1), date(2027, 4, 1), "")]
    (removed,) = audited(app, "cohort_closure_removed")
    assert (removed["first_day"], removed["label"]) == ("2026-12-24", "Christmas")


def test_removing_a_closure_already_gone_says_so_and_changes_nothing(app, client, leader):
    cohort_id = create_cohort(client)
    add(client, cohort_id, "2026-12-24", "2027-01-02")
    page = client.get(f"/cohorts/{cohort_id}/settings")
    press(client, page, "Remove 24 December 2026 to 2 January 2027")
    add(client, cohort_id, "2027-04-01")
    # The old page's button names a closure that is no longer there.
    shown = page_text(press(client, page, "Remove 24 December 2026 to 2 January 2027"))
    assert "That closure is no longer in this cohort's calendar. Reload the page." in shown
    assert closures(app, cohort_id) == [(date(2027, 4, 1), date(2027, 4, 1), "")]
    assert len(audited(app, "cohort_closure_removed")) == 1
