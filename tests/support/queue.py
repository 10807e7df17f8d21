"""The queue demo: waiting work added directly (many rows, chosen ages), and reading the queue page."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from assessors.workplace.models import Observation
from core.accounts.models import User
from core.extensions import db
from portfolio.apl.models import AplClaim
from portfolio.submissions.models import Submission
from qualification.cohorts.models import Cohort
from qualification.versions.models import VersionModule
from tests.support.people import JO, TOM

# The demo's modules that wait for Tom to plan an observation
# (tests/assessors/queue/test_observation_to_plan.py): Jo's
# M01-M04 and Morgan's M01-M03, all with an observation criterion; one fewer once Jo's M01 has one planned.
TO_PLAN = 7


def _ids(app) -> dict:
    with app.app_context():
        people = {u.email: u.id for u in db.session.scalars(select(User))}
        cohort = db.session.scalars(select(Cohort)).one()
        modules = dict(
            db.session.execute(
                select(VersionModule.code, VersionModule.module_id).where(
                    VersionModule.version_id == cohort.version_id
                )
            ).all()
        )
        return {"people": people, "cohort": cohort.id, "modules": modules}


def add_waiting(app, *, submissions=0, claims=0, observations=0, email=JO, days_ago=0, same_time=False):
    """Waiting work for the candidate, as rows (hundreds are needed; the services are tested elsewhere)."""
    ids = _ids(app)
    who, cohort = ids["people"][email], ids["cohort"]
    base = datetime.now(UTC) - timedelta(days=days_ago)
    # Every row is the same candidate's, in the demo cohort and qualification.
    theirs = {"candidate_id": who, "cohort_id": cohort, "family": "CCQ"}
    with app.app_context():
        first = (db.session.scalar(select(db.func.max(Submission.attempt))) or 0) + 1
        for n in range(submissions):
            at = base if same_time else base - timedelta(minutes=n)
            db.session.add(
                Submission(
                    **theirs,
                    module_code="M03",
                    module_id=ids["modules"]["M03"],
                    attempt=first + n,
                    submitted_at=at,
                    snapshot_hash="0" * 64,
                )
            )
        for n in range(claims):
            db.session.add(
                AplClaim(
                    **theirs,
                    module_code="M02",
                    scope="criteria",
                    criteria_refs="M02.1.1",
                    status="submitted",
                    submitted_at=base - timedelta(minutes=n, seconds=30),
                )
            )
        for n in range(observations):
            db.session.add(
                Observation(
                    **theirs,
                    assessor_id=ids["people"][TOM],
                    module_code="M01",
                    planned_for=(base - timedelta(days=n)).date(),
                    school="Hollins Park Academy",
                    criteria_refs="M01.1.1",
                )
            )
        db.session.commit()


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def rows_of(response) -> list[str]:
    """Each row of the queue table: its id (kind and subject) and the text of its first cell."""
    body = response.get_data(as_text=True)
    found = re.findall(r'<tr id="queue-([a-z_]+-\d+)"[^>]*>\s*<td>(.*?)</td>', body, re.S)
    return [f"{key} {_text(cell)}" for key, cell in found]


def next_link(response, rel: str = "next") -> str | None:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


def assert_fixed_statements(app, client, url: str, grow, budget: int = 8) -> None:
    """The page (and its next page) runs the same number of SQL statements before and after `grow()` adds
    rows, and no more than the budget: no statement per row."""
    from tests.support.queries import statements_for

    small = statements_for(app, client, url)
    grow()
    large = statements_for(app, client, url)
    assert small == large
    assert large <= budget, large
    follow = next_link(client.get(url))
    if follow:
        assert statements_for(app, client, follow) == large
