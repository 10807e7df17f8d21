"""The cohort report's filters (a GET form: module, membership, assessor) and its charts: accessible SVG drawn
on the server, each with its figures as a table, for the candidates the filters show."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from assessors.queue.rules import today_uk, uk_date, working_days_between
from core.accounts.models import User
from core.db.timeutil import utcnow
from core.extensions import db
from core.web.charts import number
from core.web.security import CSP
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, CohortSession, MemberStatus
from qualification.membership.services import suspend_candidate, withdraw_candidate
from tests.cross.test_architecture import INLINE
from tests.support.people import CHRIS, HELEN, JO, LEADER, TOM, user_id
from tests.support.report import invite, leader_client, submission, table
from tests.support.transcript import achieve, cohort_id, load_demo_world


@pytest.fixture
def demo(app):
    load_demo_world(app)
    with app.app_context():
        # The cohort began two months ago, whatever today is, so the calendar chart has weeks to show.
        db.session.scalars(select(Cohort)).one().start_date = today_uk() - timedelta(days=60)
        db.session.commit()
    return app


def _report(app, query: str = "") -> str:
    response = leader_client(app, LEADER).get(f"/cohorts/{cohort_id(app)}/report{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _allocated_to(app, email: str) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(AssessorAllocation.candidate_id).where(
                    AssessorAllocation.assessor_id == user_id(app, email)
                )
            )
        )


def test_course_leader_can_filter_the_report_by_module_membership_and_assessor(demo):
    achieve(demo, JO, "M01", today_uk() - timedelta(days=10))
    invite(demo, "Siân Jones", "sian@school.example")
    everyone = table(_report(demo))
    assert len(everyone) == 4

    html = _report(demo, "?module=M01&progress=yes")
    assert list(table(html)) == ["Jo Patel"]
    assert "1 of 4 candidates shown" in " ".join(html.split())
    assert '<option selected value="M01">' in html  # the form shows what was chosen
    # The downloads carry the same filters.
    assert "report.csv?module=M01&amp;progress=yes" in html
    assert "report.xlsx?module=M01&amp;progress=yes" in html

    not_yet = table(_report(demo, "?module=M01&progress=no"))
    assert sorted(not_yet) == sorted(set(everyone) - {"Jo Patel"})
    assert list(table(_report(demo, "?state=Invited"))) == ["Siân Jones"]

    toms = _allocated_to(demo, TOM)
    shown = table(_report(demo, f"?assessor={user_id(demo, TOM)}"))
    assert {row["Assessor"] for row in shown.values()} == {"Tom Okafor"}
    assert len(shown) == len(toms)


def test_the_report_says_who_is_on_a_break_or_withdrawn(demo):
    with demo.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        candidates = db.session.scalars(select(CohortMember).where(CohortMember.role == "candidate"))
        members = {m.user.email: m for m in candidates}
        today = today_uk()
        suspend_candidate(
            leader,
            members[CHRIS],
            starts_on=today,
            expected_return_on=today + timedelta(days=30),
            reason="Illness",
            today=today,
        )
        withdraw_candidate(leader, members[JO], reason="Moved abroad", now=utcnow())
        db.session.commit()
    rows = table(_report(demo))
    assert rows["Chris Evans"]["Membership"] == MemberStatus.SUSPENDED.label
    assert rows["Jo Patel"]["Membership"] == MemberStatus.WITHDRAWN.label
    assert "Joined" in {row["Membership"] for row in rows.values()}  # Morgan studies on
    html = _report(demo)
    assert f'<option value="{MemberStatus.WITHDRAWN.label}">' in html  # offered as a filter
    withdrawn = table(_report(demo, "?state=" + MemberStatus.WITHDRAWN.label.replace(" ", "+")))
    assert list(withdrawn) == ["Jo Patel"]


@pytest.mark.parametrize(
    "query",
    ["?module=M99", "?assessor=abc", "?state=%3Cscript%3Ealert(1)%3C/script%3E", "?progress=maybe&module="],
)
def test_a_filter_the_page_never_offered_is_refused_quietly(demo, query):
    html = _report(demo, query)
    assert "<script>alert(1)" not in html
    rows = table(html)
    if "state" in query:
        assert rows == {}
        assert "No candidates match these filters." in html
    else:
        assert len(rows) == 3


def _figures(html: str, title: str) -> dict[str, dict[str, str]]:
    return table(html, caption=title)


def test_the_charts_are_accessible_svg_with_their_figures_as_text(demo):
    two_weeks = utcnow() - timedelta(days=20)
    submission(
        demo,
        CHRIS,
        "M02",
        state="released",
        status="achieved",
        sent=two_weeks,
        decided=utcnow() - timedelta(days=3),
        assessor=HELEN,
    )
    submission(
        demo,
        JO,
        "M01",
        state="released",
        status="achieved",
        sent=utcnow() - timedelta(days=10),
        decided=utcnow() - timedelta(days=1),
        assessor=TOM,
    )
    submission(demo, JO, "M02")
    response = leader_client(demo, LEADER).get(f"/cohorts/{cohort_id(demo)}/report")
    html = response.get_data(as_text=True)
    # Drawn on the server, under the CSP: no script, no inline style.
    assert response.headers["Content-Security-Policy"] == CSP
    assert "style-src 'self'" in CSP
    assert INLINE.search(html) is None
    charts = re.findall(r'<svg class="chart__svg[^"]*"[^>]*>', html)
    assert len(charts) == 4
    for svg in charts:
        assert 'role="img"' in svg
        title, desc = re.search(r'aria-labelledby="(\S+) (\S+)"', svg).groups()
        assert f'<title id="{title}">' in html
        assert f'<desc id="{desc}">' in html

    credits = _figures(html, "Credits achieved")
    assert sum(int(row["Candidates"]) for row in credits.values()) == 3
    assert credits["0"]["Candidates"] == "3"  # nobody has a module result yet
    assert list(credits) == ["0", "15", "30", "45", "60"]  # up to the award's 60, in the modules' 15s

    weekly = _figures(html, "Submissions and decisions per week")
    assert sum(int(row["Submitted"]) for row in weekly.values()) == 3
    assert sum(int(row["Decisions released"]) for row in weekly.values()) == 2

    turnaround = _figures(html, "Turnaround by assessor")
    helen_days = working_days_between(uk_date(two_weeks), uk_date(utcnow() - timedelta(days=3)))
    assert turnaround["Helen Marsh"] == {
        "Assessor": "Helen Marsh",
        "Median working days": number(helen_days),
        "Decisions": "1",
    }
    assert set(turnaround) == {"Helen Marsh", "Tom Okafor"}
    # Filtered to Tom's candidates, the charts count only their work.
    toms = _report(demo, f"?assessor={user_id(demo, TOM)}")
    assert set(_figures(toms, "Turnaround by assessor")) == {"Tom Okafor"}
    assert (
        sum(int(r["Submitted"]) for r in _figures(toms, "Submissions and decisions per week").values()) == 2
    )


def test_progress_is_drawn_against_the_calendar(demo):
    three_weeks_ago = utcnow() - timedelta(days=21)
    the_cohort = cohort_id(demo)
    with demo.app_context():
        # The demo's own sessions fall on fixed dates: this calendar is one past session for M01.
        for demo_session in db.session.scalars(select(CohortSession)):
            db.session.delete(demo_session)
        db.session.add(
            CohortSession(
                cohort_id=the_cohort,
                kind="twilight",
                title="M01 wrap-up",
                starts_at=three_weeks_ago,
                ends_at=three_weeks_ago + timedelta(hours=2),
                module_codes="M01",
            )
        )
        db.session.commit()
    achieve(demo, JO, "M01", today_uk() - timedelta(days=7))
    html = _report(demo)
    progress = _figures(html, "Progress against the calendar")
    last = list(progress.values())[-1]
    assert last["Modules whose sessions have finished"] == "1"
    assert last["Modules achieved per candidate (average)"] == number(round(1 / 3, 2))
    first = next(iter(progress.values()))
    assert first["Modules whose sessions have finished"] == "0"
    assert "the calendar had finished teaching 1 module, and candidates had achieved 0.3 modules" in html


def test_a_cohort_without_work_yet_says_so_instead_of_drawing(demo):
    html = _report(demo)
    assert "Nothing has been submitted or decided yet." in html
    assert "No decisions have been made yet." in html
    assert len(re.findall(r'<svg class="chart__svg', html)) == 2  # credits and the calendar
