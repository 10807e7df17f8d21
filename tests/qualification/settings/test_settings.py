"""A course leader edits a cohort's settings on its settings page: name, dates, option deadline, turnaround
target, allocation rule and supply cover day rate, in one versioned form with an audit row of what changed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from qualification.cohorts.models import Cohort
from tests.support.cohorts import create_cohort
from tests.support.html import page_text, press, signed_in
from tests.support.people import make_user

SAVE = "Save the settings"
COLUMNS = (
    "name",
    "start_date",
    "end_date",
    "choice_deadline",
    "turnaround_days",
    "allocation_rule",
    "supply_cost_pence",
    "version",
)


def settings_of(app, cohort_id: int) -> dict:
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        return {name: str(getattr(cohort, name)) for name in COLUMNS}


def audit_rows(app, action: str = "cohort_settings_changed") -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
        return [json.loads(row.details_json) for row in rows]


def settings_page(client, cohort_id: int):
    return client.get(f"/cohorts/{cohort_id}/settings")


def test_course_leader_can_change_every_setting_and_the_change_is_audited(app, client, leader):
    cohort_id = create_cohort(client, choice_deadline="2026-10-31")
    changes = {
        "name": "Certificate 2026/27, Northmoor",
        "start_date": "2026-09-25",
        "end_date": "2027-07-09",
        "choice_deadline": "2026-11-13",
        "turnaround_days": "10",
        "allocation_rule": "manual",
        "supply_cost": "182.50",
    }
    shown = page_text(press(client, settings_page(client, cohort_id), SAVE, changes))
    assert (
        "Saved: name, start date, end date, option deadline, turnaround target, allocation rule, "
        "supply cover day rate." in shown
    )
    assert "Certificate 2026/27, Northmoor" in shown
    assert "Ends 9 July 2027" in shown
    assert "Options can be changed until 13 November 2026" in shown
    assert "10 working days" in shown
    assert "Manual: the course leader allocates each candidate" in shown
    saved = settings_of(app, cohort_id)
    typed = {k: v for k, v in changes.items() if k != "supply_cost"}
    assert {k: saved[k] for k in COLUMNS[:-1]} == {**typed, "supply_cost_pence": "18250"}
    (row,) = audit_rows(app)
    assert row["changes"]["supply_cost_pence"] == {"before": 18000, "after": 18250}
    assert row["changes"]["end_date"] == {"before": None, "after": "2027-07-09"}
    assert set(row["changes"]) == set(COLUMNS[:-1])
    # The release letters' rate is the cohort's own now.
    assert "£182.50" in page_text(settings_page(client, cohort_id))


def test_saving_unchanged_settings_changes_nothing(app, client, leader):
    cohort_id = create_cohort(client)
    before = settings_of(app, cohort_id)
    shown = page_text(press(client, settings_page(client, cohort_id), SAVE))
    assert "Nothing was changed." in shown
    assert settings_of(app, cohort_id) == before
    assert audit_rows(app) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "Give the cohort a name of up to 200 characters."),
        ({"name": "x" * 201}, "Give the cohort a name of up to 200 characters."),
        ({"start_date": ""}, "Enter the start date."),
        ({"start_date": "18/09/2026"}, "Not a valid date value."),
        ({"end_date": "2026-09-17"}, "The cohort cannot end before it starts."),
        ({"choice_deadline": "2026-09-01"}, "cannot be before the cohort starts."),
        ({"end_date": "2026-12-01", "choice_deadline": "2026-12-18"}, "cannot be after the cohort ends."),
        ({"turnaround_days": "0"}, "Enter a number of days from 1 to 120."),
        ({"turnaround_days": "121"}, "Enter a number of days from 1 to 120."),
        ({"turnaround_days": ""}, "Enter a number of days from 1 to 120."),
        ({"allocation_rule": "random"}, "Not a valid choice."),
        ({"supply_cost": "-1"}, "Enter the day rate in pounds, from 0 to 1,000"),
        ({"supply_cost": "1000.01"}, "Enter the day rate in pounds, from 0 to 1,000"),
        ({"supply_cost": "180.005"}, "Enter the day rate in pounds, from 0 to 1,000"),
        ({"supply_cost": "a lot"}, "Not a valid decimal value."),
    ],
)
def test_course_leader_cannot_save_bad_settings(app, client, leader, changes, message):
    cohort_id = create_cohort(client)
    before = settings_of(app, cohort_id)
    response = press(client, settings_page(client, cohort_id), SAVE, changes, follow=False)
    assert response.status_code == 422
    shown = page_text(response)
    assert "There is a problem" in shown
    assert message in shown
    assert settings_of(app, cohort_id) == before
    assert audit_rows(app) == []


def test_a_stale_settings_form_is_refused_with_what_was_typed_kept(app, client, leader, course_leader):
    cohort_id = create_cohort(client)
    opened = settings_page(client, cohort_id)  # the first leader opens the page ...
    other = signed_in(app, course_leader.email, course_leader.password)
    press(other, settings_page(other, cohort_id), SAVE, {"turnaround_days": "20"})  # ... another saves first
    response = press(client, opened, SAVE, {"name": "Renamed in the old tab"}, follow=False)
    assert response.status_code == 409
    shown = page_text(response)
    assert "Your changes were not saved" in shown
    assert "Someone changed this cohort's settings since you opened the page" in shown
    assert 'value="Renamed in the old tab"' in response.get_data(as_text=True)
    saved = settings_of(app, cohort_id)
    assert (saved["name"], saved["turnaround_days"]) == ("Certificate 2027, Northmoor", "20")
    # Saving again from the page the conflict gave works (its hidden version moved on).
    again = page_text(press(client, response, SAVE, {"name": "Renamed in the old tab"}))
    assert "Saved: name, turnaround target." in again  # the old tab still said 15
    assert settings_of(app, cohort_id)["name"] == "Renamed in the old tab"


def test_only_course_leaders_reach_the_settings(app, client, leader):
    cohort_id = create_cohort(client)
    assessor = make_user(app, "asa@uni.example", name="Asa Assessor", roles=(Role.ASSESSOR,))
    other = signed_in(app, assessor.email, assessor.password)
    assert other.get(f"/cohorts/{cohort_id}/settings").status_code == 403
    assert other.get(f"/cohorts/{cohort_id}/copy").status_code == 403
