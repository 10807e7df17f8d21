"""The report across a course leader's cohorts: one line per cohort with its totals, each linking to the
cohort's report, in the same number of queries for one cohort or several."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from qualification.cohorts.models import Cohort
from qualification.results.models import AchievedBy
from tests.support.cohorts import create_cohort, invite
from tests.support.people import CHRIS, JO, LEADER
from tests.support.queries import statements_for
from tests.support.report import leader_client, submission, table
from tests.support.transcript import achieve, load_demo_world

CAPTION = "Each cohort's totals; the cohort's name opens its report"


@pytest.fixture
def demo(app):
    load_demo_world(app)
    achieve(app, JO, "M01", date(2026, 11, 2))
    achieve(app, JO, "M02", date(2026, 11, 20), how=AchievedBy.APL)
    submission(app, CHRIS, "M03")
    return app


def test_course_leader_sees_each_cohort_they_lead_with_its_totals(demo):
    client = leader_client(demo, LEADER)
    assert 'href="/cohorts/reports"' in client.get("/cohorts/").get_data(as_text=True)
    second = create_cohort(client, name="Certificate 2027-28, Northmoor")
    invite(client, second, "Siân Jones", "sian@school.example")
    html = client.get("/cohorts/reports").get_data(as_text=True)
    lines = table(html, CAPTION)
    demo_line = lines["Certificate 2026-27, Northmoor"]
    # The line adds up that cohort's own report.
    rows = table(client.get(f"/cohorts/{cohort_id_of(demo)}/report").get_data(as_text=True))
    assert demo_line["Candidates"] == str(len(rows)) == "3"
    assert demo_line["Membership"] == "3 joined"
    assert demo_line["Modules achieved"] == str(
        sum(int(r["Modules achieved / on pathway"].split(" / ")[0]) for r in rows.values())
    )
    assert (demo_line["Credits"], demo_line["Of which by APL"]) == ("30", "15")
    assert demo_line["Submissions waiting"] == "1"
    new_line = lines["Certificate 2027-28, Northmoor"]
    assert (new_line["Candidates"], new_line["Membership"], new_line["Last activity"]) == (
        "1",
        "1 invited",
        "None yet",
    )
    assert f'href="/cohorts/{second}/report"' in html
    assert f'href="/cohorts/{cohort_id_of(demo)}/report"' in html
    text = " ".join(html.split())
    assert "Candidates</dt><dd>4: 1 invited, 3 joined" in text


def cohort_id_of(app) -> int:
    """The demo cohort's id (there are others here)."""
    with app.app_context():
        return db.session.scalar(select(Cohort.id).where(Cohort.name == "Certificate 2026-27, Northmoor"))


def test_cohorts_led_by_others_are_there_when_asked_for(demo):
    client = leader_client(demo, LEADER)
    # Another course leader's cohort: made by an administrator, who leads it.
    admin = leader_client(demo, "admin@northmoor.example")
    create_cohort(admin, name="Admin's own cohort")
    mine = table(client.get("/cohorts/reports").get_data(as_text=True), CAPTION)
    assert "Admin's own cohort" not in mine
    every = client.get("/cohorts/reports?all=1").get_data(as_text=True)
    assert "Admin's own cohort" in table(every, CAPTION)
    assert "Reports across every cohort" in every


def test_the_report_across_cohorts_costs_the_same_for_one_cohort_or_three(demo):
    client = leader_client(demo, LEADER)
    one = statements_for(demo, client, "/cohorts/reports")
    for n in range(2):
        second = create_cohort(client, name=f"Cohort {n}")
        invite(client, second, f"Person {n}", f"person{n}@school.example")
    assert statements_for(demo, client, "/cohorts/reports") == one
