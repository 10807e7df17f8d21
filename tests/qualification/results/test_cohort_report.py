"""The course leader's cohort report (page and CSV), its query budget, and the cohort's turnaround target."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from assessors.marking.models import Assessment
from core.accounts.models import User
from core.audit.models import AuditEvent
from core.db.querycount import count_queries
from core.extensions import db
from modules.catalogue.models import Module
from portfolio.submissions.models import Submission
from qualification.cohorts.models import Cohort, CohortMember
from qualification.cohorts.services import invite_candidate
from qualification.pathway.services import choose_options
from qualification.results.models import AchievedBy
from tests.support.html import csrf_from, login
from tests.support.people import CHRIS, DEMO_PASSWORD, JO, LEADER, user_id
from tests.support.transcript import achieve, cohort_id, load_demo_world


@pytest.fixture
def demo(app):
    return load_demo_world(app)


def _submission(app, email: str, code: str, *, state: str | None = None, status: str = "submitted") -> None:
    """A submitted attempt, and its assessment in `state` when given (rows as the services write them)."""
    candidate, cohort = user_id(app, email), cohort_id(app)
    with app.app_context():
        module_id = db.session.scalar(select(Module.id).where(Module.family == "CCQ", Module.code == code))
        submission = Submission(
            candidate_id=candidate,
            cohort_id=cohort,
            family="CCQ",
            module_code=code,
            module_id=module_id,
            attempt=1,
            status=status,
            snapshot_hash="0" * 64,
        )
        db.session.add(submission)
        db.session.flush()
        if state:
            db.session.add(
                Assessment(
                    kind="submission",
                    submission_id=submission.id,
                    candidate_id=candidate,
                    cohort_id=cohort,
                    family="CCQ",
                    module_code=code,
                    module_id=module_id,
                    status=state,
                    evidence_hash="0" * 64,
                )
            )
        db.session.commit()


def _client(app, email: str):
    client = app.test_client()
    login(client, email, DEMO_PASSWORD)
    return client


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
    _submission(demo, CHRIS, "M02")
    _submission(demo, CHRIS, "M03", state="in_marking")
    _submission(demo, CHRIS, "M01", state="released", status="achieved")
    client = _client(demo, LEADER)
    cohort = client.get(f"/cohorts/{cohort_id(demo)}").get_data(as_text=True)
    assert f'href="/cohorts/{cohort_id(demo)}/report"' in cohort
    response = client.get(f"/cohorts/{cohort_id(demo)}/report")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "met by 1" in html
    jo_row = html[html.index("Jo Patel") :].split("</tr>", 1)[0]
    assert "Tom Okafor" in jo_row
    assert f'href="/cohorts/{cohort_id(demo)}/candidates/{user_id(demo, JO)}/transcript"' in html
    assert '<td class="number">4 / 4</td><td class="number">60</td>' in jo_row
    assert 'Yes, <time datetime="2027-03-01">' in jo_row
    chris_row = html[html.index(">Chris") :].split("</tr>", 1)[0]
    # Chris has chosen no option yet: the three compulsory modules are on the pathway.
    assert '<td class="number">1 / 3</td><td class="number">15</td>' in chris_row
    assert '<td class="number">2</td><td class="number">1</td>' in chris_row
    assert "<td>No</td>" in chris_row


def test_course_leader_can_download_the_report_as_csv(demo):
    _jo_meets_the_certificate(demo)
    _submission(demo, CHRIS, "M02")
    response = _client(demo, LEADER).get(f"/cohorts/{cohort_id(demo)}/report.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="Certificate 2026-27')
    assert response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_name = {row["Name"]: row for row in rows}
    assert len(rows) == 3
    jo = by_name["Jo Patel"]
    assert (jo["Modules achieved"], jo["Credits"], jo["Award met"], jo["Award met on"]) == (
        "4",
        "60",
        "yes",
        "2027-03-01",
    )
    chris = next(row for name, row in by_name.items() if name.startswith("Chris"))
    assert (chris["Submissions waiting"], chris["Award met"], chris["Award met on"]) == ("1", "no", "")


def test_a_name_that_looks_like_a_formula_is_text_in_the_csv(demo):
    the_cohort = cohort_id(demo)
    with demo.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        cohort = db.session.get(Cohort, the_cohort)
        invite_candidate(leader, cohort, name="=HYPERLINK(1)", email="formula@school.example", school="@x")
        db.session.commit()
    body = _client(demo, LEADER).get(f"/cohorts/{cohort_id(demo)}/report.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in body
    assert "'@x" in body


def test_candidate_and_assessor_cannot_see_the_report(demo):
    for email in (JO, "assessor@northmoor.example"):
        client = _client(demo, email)
        assert client.get(f"/cohorts/{cohort_id(demo)}/report").status_code == 403
        assert client.get(f"/cohorts/{cohort_id(demo)}/report.csv").status_code == 403
        assert "/report" not in client.get(f"/cohorts/{cohort_id(demo)}").get_data(as_text=True)


def _grow(app, total: int) -> None:
    """More candidates, with results, options and submissions, until the cohort has `total`."""
    the_cohort = cohort_id(app)
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        cohort = db.session.get(Cohort, the_cohort)
        have = len([m for m in cohort.members if m.role == "candidate"])
        for n in range(total - have):
            user, _ = invite_candidate(
                leader, cohort, name=f"Extra {n}", email=f"extra{n}@school.example", school="A School"
            )
            member = db.session.scalar(
                select(CohortMember).where(
                    CohortMember.user_id == user.id, CohortMember.cohort_id == cohort.id
                )
            )
            choose_options(user, member, ["M05"], today=cohort.start_date)
        db.session.commit()
    for n in range(total - 3):
        achieve(app, f"extra{n}@school.example", "M01", date(2026, 11, 1 + n % 20))
        if n % 3 == 0:
            _submission(app, f"extra{n}@school.example", "M02", state="released", status="achieved")


def _queries(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    with count_queries(engine) as statements:
        response = client.get(url)
        response.get_data()  # the CSV is streamed: count what runs while it is written too
    assert response.status_code == 200
    return len(statements)


def test_report_runs_the_same_number_of_queries_for_3_and_40_candidates(demo):
    _jo_meets_the_certificate(demo)
    client = _client(demo, LEADER)
    urls = [f"/cohorts/{cohort_id(demo)}/report", f"/cohorts/{cohort_id(demo)}/report.csv"]
    small = [_queries(demo, client, url) for url in urls]
    _grow(demo, 40)
    large = [_queries(demo, client, url) for url in urls]
    the_cohort = cohort_id(demo)
    with demo.app_context():
        assert len(db.session.get(Cohort, the_cohort).members) > 40
    assert small == large
    assert max(large) <= 20, large


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
