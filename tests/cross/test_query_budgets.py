"""Query budgets: each page runs a fixed number of SQL statements, whatever the number of rows behind it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.accounts.models import Role, User
from core.extensions import db
from qualification.cohorts.models import Cohort, MemberRole
from qualification.cohorts.services import add_staff, allocate_evenly, invite_candidate
from tests.support.demo import demo_fixture, load_demo_data
from tests.support.html import login
from tests.support.people import DEMO_PASSWORD, make_user
from tests.support.queries import statements_for

demo = demo_fixture(load_demo_data, content=False)


def _grow(app, extra: int) -> None:
    """Add candidates and assessors to the demo cohort, as a bigger intake would have."""
    assessor = make_user(app, f"more-assessor-{extra}@uni.example", roles=(Role.ASSESSOR,))
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        leader = db.session.scalar(select(User).where(User.email == "leader@northmoor.example"))
        for n in range(extra):
            invite_candidate(
                leader, cohort, name=f"Extra {n}", email=f"extra{n}@school.example", school="A School"
            )
        add_staff(leader, cohort, db.session.get(User, assessor.id), MemberRole.ASSESSOR)
        allocate_evenly(leader, cohort)
        db.session.commit()


PAGES = [
    # (who, url, budget)
    ("candidate@school.example", "/", 10),  # quality.md W2: <= 10
    ("leader@northmoor.example", "/", 8),
    ("admin@northmoor.example", "/", 9),
    ("leader@northmoor.example", "/cohorts/1", 11),  # incl. its latest announcements (one statement)
    ("leader@northmoor.example", "/cohorts/1/announcements", 7),
    ("candidate@school.example", "/cohorts/1/announcements", 7),
    # the candidate's places and turns in waiting lists: one statement more when they wait for any place
    ("candidate@school.example", "/cohorts/1", 14),  # and its latest announcements
    ("leader@northmoor.example", "/cohorts/1/sessions", 7),
    ("leader@northmoor.example", "/cohorts/1/sessions/1/edit", 7),
    ("leader@northmoor.example", "/qualifications/CCQ/v1", 13),
    ("admin@northmoor.example", "/admin/accounts", 6),
    (None, "/catalogue/CCQ/MA", 11),
    # incl. released criterion results, the observations and sign-offs that back criteria, and the
    # allocated assessor's name ("ask your assessor, Tom Okafor, ...")
    ("candidate@school.example", "/portfolio/modules/CCQ/M01", 12),
    ("candidate@school.example", "/portfolio/", 8),
    (
        "assessor@northmoor.example",
        "/assessors/queue",
        8,
    ),  # quality.md W3 (tests/assessors/queue/test_queue.py)
    ("assessor@northmoor.example", "/", 8),
    # quality.md W4: the cohort report with its charts, and the report across the leader's cohorts
    # (once the worker has read the published qualification's tree: 9 statements more on its first request).
    # The cohort's page reads flat (issue 15): its totals are SQL aggregates, one per column group, and its
    # columns are loaded for the page's candidates only, so more statements than when every row was built in
    # Python, but the same number at 20,000 candidates as at 20 (tests/qualification/results).
    ("leader@northmoor.example", "/cohorts/1/report", 30),
    ("leader@northmoor.example", "/cohorts/reports", 21),
]


@pytest.mark.parametrize(("email", "url", "budget"), PAGES, ids=[p[1] + " " + str(p[0]) for p in PAGES])
def test_page_stays_within_its_query_budget_as_data_grows(demo, email, url, budget):
    app = demo
    client = app.test_client()
    if email:
        login(client, email, DEMO_PASSWORD)
    client.get(url)  # what a worker reads once (a published qualification's tree) is not the page's cost
    small = statements_for(app, client, url)
    _grow(app, 25)
    large = statements_for(app, client, url)
    assert small == large, f"{url}: {small} statements with the demo, {large} with 25 more candidates"
    assert large <= budget, f"{url}: {large} statements, budget {budget}"
