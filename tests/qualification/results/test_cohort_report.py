"""The course leader's cohort report (the page, its columns and totals), its query budget, and the cohort's
turnaround target."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from assessors.queue.rules import days_waited, today_uk
from core.audit.models import AuditEvent
from core.db.querycount import count_queries
from core.db.timeutil import utcnow
from core.extensions import db
from qualification.cohorts.models import Cohort
from qualification.results.models import AchievedBy
from tests.support.html import csrf_from
from tests.support.people import CHRIS, JO, LEADER, user_id
from tests.support.report import grow, invite, leader_client, submission, table
from tests.support.transcript import achieve, cohort_id, load_demo_world, transcript_url


@pytest.fixture
def demo(app):
    return load_demo_world(app)


def _client(app, email: str):
    return leader_client(app, email)


def _jo_meets_the_certificate(app) -> None:
    for code, on, how in (
        ("M01", date(2026, 11, 2), AchievedBy.ASSESSMENT),
        ("M02", date(2026, 12, 7), AchievedBy.APL),
        ("M03", date(2027, 2, 1), AchievedBy.ASSESSMENT),
        ("M04", date(2027, 3, 1), AchievedBy.ASSESSMENT),
    ):
        achieve(app, JO, code, on, how=how)


def test_course_leader_can_see_each_candidates_progress_in_the_report(demo):
    _jo_meets_the_certificate(demo)
    achieve(demo, CHRIS, "M01", date(2026, 11, 9))
    two_weeks_ago = utcnow() - timedelta(days=14)
    submission(demo, CHRIS, "M02", sent=two_weeks_ago)
    submission(demo, CHRIS, "M03", state="in_marking")
    submission(demo, CHRIS, "M01", state="released", status="achieved")
    invite(demo, "Siân Jones", "sian@school.example")
    client = _client(demo, LEADER)
    cohort = client.get(f"/cohorts/{cohort_id(demo)}").get_data(as_text=True)
    assert f'href="/cohorts/{cohort_id(demo)}/report"' in cohort
    response = client.get(f"/cohorts/{cohort_id(demo)}/report")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    text = " ".join(html.split())
    assert "4 candidates: 1 invited, 3 joined" in text
    assert "met by 1" in html
    assert f'href="{transcript_url(demo, JO)}"' in html
    rows = table(html)
    jo, chris, sian = rows["Jo Patel"], rows["Chris Evans"], rows["Siân Jones"]
    assert (jo["Assessor"], jo["Membership"]) == ("Tom Okafor", "Joined")
    assert jo["Modules achieved / on pathway"] == "4 / 4"
    # APL credits are shown apart from the total: M02 (15 credits) was by prior learning.
    assert (jo["Credits"], jo["Of which by APL"], jo["Award met"]) == ("60", "15", "Yes, 1 Mar 2027")
    # Chris has chosen no option yet: the three compulsory modules are on the pathway.
    assert (chris["Modules achieved / on pathway"], chris["Credits"], chris["Of which by APL"]) == (
        "1 / 3",
        "15",
        "0",
    )
    waited = days_waited(two_weeks_ago, today_uk())
    assert waited >= 9
    assert (chris["Submissions waiting"], chris["Longest wait (working days)"]) == ("2", str(waited))
    assert (chris["Decisions released"], chris["Award met"]) == ("1", "No")
    # Submitting is activity: Chris's latest is today's.
    assert chris["Last activity"] == today_uk().strftime("%-d %b %Y")
    assert (sian["Membership"], sian["Last activity"], sian["Submissions waiting"]) == (
        "Invited",
        "None yet",
        "0",
    )
    assert sian["Longest wait (working days)"] == ""
    # The totals add up the rows shown.
    assert "Submissions waiting</dt><dd>2 in all" in html
    assert f"Longest wait (working days)</dt><dd>At most {waited}" in html
    assert "5 modules achieved, 75 credits (15 of them by prior learning, APL)" in text  # Jo 4 + Chris 1


def test_candidate_and_assessor_cannot_see_the_reports(demo):
    for email in (JO, "assessor@northmoor.example"):
        client = _client(demo, email)
        for url in ("/report", "/report.csv", "/report.xlsx"):
            assert client.get(f"/cohorts/{cohort_id(demo)}{url}").status_code == 403
        assert client.get("/cohorts/reports").status_code == 403
        assert "/report" not in client.get(f"/cohorts/{cohort_id(demo)}").get_data(as_text=True)


def test_a_column_another_package_registers_as_counts_joins_the_report(demo):
    """A bare (key, heading, cohort id -> {candidate id: count}), as columns were registered before."""
    jo = user_id(demo, JO)
    demo.extensions["waymark_cohort_report_counts"] = [
        *demo.extensions["waymark_cohort_report_counts"],
        ("late", "Late against the deadline", lambda cohort: {jo: 2}),
    ]
    html = _client(demo, LEADER).get(f"/cohorts/{cohort_id(demo)}/report").get_data(as_text=True)
    rows = table(html)
    assert rows["Jo Patel"]["Late against the deadline"] == "2"
    assert rows["Chris Evans"]["Late against the deadline"] == "0"
    assert "Late against the deadline</dt><dd>2 in all" in html


def _queries(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    with count_queries(engine) as statements:
        response = client.get(url)
        response.get_data()  # the CSV is streamed: count what runs while it is written too
    assert response.status_code == 200
    return len(statements)


# The page: what every candidate the filters keep adds up to, as GROUP BYs (states and the filters' choices,
# results, first achievements, each column group's total: 10), the page itself (its candidates and where they
# stand: 2; their people, results and columns: 9), the charts' counts (5) and the session's own; the
# downloads run fewer (no totals or charts), a chunk of candidates at a time. The qualification's tree (9
# queries) is read once per worker and published version, not on every request. The report across the
# leader's cohorts reads the trees of their versions each time (21).
PAGE_BUDGET, REPORT_BUDGET = 30, 30


def test_the_reports_run_the_same_number_of_queries_for_3_and_40_candidates(demo):
    _jo_meets_the_certificate(demo)
    client = _client(demo, LEADER)
    base = f"/cohorts/{cohort_id(demo)}/report"
    client.get(base)  # the first request after start reads the qualification's tree
    urls = [
        base,
        f"{base}?module=M01&progress=no&state=Joined",
        f"{base}.csv",
        f"{base}.xlsx",
        "/cohorts/reports",
    ]
    small = [_queries(demo, client, url) for url in urls]
    grow(demo, 40)
    large = [_queries(demo, client, url) for url in urls]
    the_cohort = cohort_id(demo)
    with demo.app_context():
        assert len(db.session.get(Cohort, the_cohort).members) > 40
    assert small == large
    assert large[0] <= PAGE_BUDGET, large
    assert max(large) <= REPORT_BUDGET, large


def _turnaround_form(demo):
    """The course leader on the cohort page: (client, page url, CSRF token, the cohort's version)."""
    client = _client(demo, LEADER)
    url = f"/cohorts/{cohort_id(demo)}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    with demo.app_context():
        version = db.session.get(Cohort, cohort_id(demo)).version
    return client, url, token, version


def test_course_leader_can_set_the_turnaround_target(demo):
    client, url, token, version = _turnaround_form(demo)
    response = client.post(f"{url}/turnaround", data={"csrf_token": token, "days": "20", "version": version})
    assert response.headers["Location"].endswith(f"{url}#turnaround")
    assert "20 working days" in client.get(url).get_data(as_text=True)
    with demo.app_context():
        assert db.session.get(Cohort, cohort_id(demo)).turnaround_days == 20
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "cohort_turnaround_set")
        ).one()
        assert '"after": 20' in event.details_json


def test_course_leader_cannot_set_a_turnaround_out_of_range_or_from_a_stale_page(demo):
    client, url, token, version = _turnaround_form(demo)
    bad = client.post(f"{url}/turnaround", data={"csrf_token": token, "days": "121", "version": version})
    assert bad.status_code == 422
    assert "Enter a number of days from 1 to 120." in bad.get_data(as_text=True)
    stale = client.post(f"{url}/turnaround", data={"csrf_token": token, "days": "9", "version": version - 1})
    assert stale.status_code == 409
    assert 'value="9"' in stale.get_data(as_text=True)
    with demo.app_context():
        assert db.session.get(Cohort, cohort_id(demo)).turnaround_days == 15


def test_candidate_cannot_set_the_turnaround_target(demo):
    the_cohort = cohort_id(demo)
    client = _client(demo, JO)
    token = csrf_from(client.get("/account").get_data(as_text=True))
    response = client.post(f"/cohorts/{cohort_id(demo)}/turnaround", data={"csrf_token": token, "days": "5"})
    assert response.status_code == 403
    with demo.app_context():
        assert db.session.get(Cohort, the_cohort).turnaround_days == 15
