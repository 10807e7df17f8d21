"""The queue's plan on PostgreSQL: a page reads its rows through the branches' indexes, never the cohort.

A cohort of 400 candidates with 4,000 attempts waiting (enough that PostgreSQL would scan and sort them if
the query let it) is loaded in bulk and not analysed, as an import or the benchmark's generator leaves a
database; then analysed. Each time the exact statement the queue page runs (captured from a real request)
is run under EXPLAIN (ANALYZE, FORMAT JSON), as planned for its parameters and as the generic plan of a
prepared statement, for the assessor who holds most of the cohort and for one with a few candidates, first
page and a later one: no sequential scan of the tables it filled, and no scan
that returns or throws away more than a window of rows (sources.WINDOW) per loop.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import event, insert, select, text

from assessors.queue.queries.sources import PAGE_SIZE, WINDOW
from core.accounts.models import Role, User, UserRole
from core.extensions import db
from modules.study.models import ModuleEnrolment
from portfolio.submissions.models import Submission
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember
from qualification.versions.models import VersionModule
from tests.support.demo import load_demo_data
from tests.support.html import signed_in
from tests.support.people import DEMO_PASSWORD, PASSWORD, TOM, make_user
from tests.support.queue import next_link, rows_of

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="reads PostgreSQL's plans: runs when the suite runs on PostgreSQL (DATABASE_URL)",
)

BIG = "big-assessor@uni.example"
CANDIDATES, TOMS, MODULES = 400, 12, ("M01", "M02", "M03", "M04", "M05")
# The tables the load fills: none may be read whole.
FILLED = {"users", "cohort_members", "assessor_allocations", "submissions", "module_enrolments"}
# A window of a branch, and what a loop may throw away on the way (rows of another kind in the index).
BOUND = WINDOW + PAGE_SIZE


def _load(app) -> None:
    """400 candidates in the demo cohort, all but TOMS of them allocated to BIG, each with M01-M05 enrolled
    and submitted twice (attempts 1 and 2), none started: 4,000 attempts waiting."""
    make_user(app, BIG, name="Bea Big", roles=(Role.ASSESSOR,))
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        modules = dict(
            db.session.execute(
                select(VersionModule.code, VersionModule.module_id).where(
                    VersionModule.version_id == cohort.version_id
                )
            ).all()
        )
        big, tom = (db.session.scalar(select(User.id).where(User.email == e)) for e in (BIG, TOM))
        db.session.execute(
            insert(CohortMember), [{"cohort_id": cohort.id, "user_id": big, "role": "assessor"}]
        )
        people = [
            {"email": f"load{n:04d}@school.example", "name": f"Load {n:04d}"} for n in range(CANDIDATES)
        ]
        ids = db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), people).all()
        db.session.execute(insert(UserRole), [{"user_id": uid, "role": Role.CANDIDATE.value} for uid in ids])
        db.session.execute(
            insert(CohortMember),
            [{"cohort_id": cohort.id, "user_id": uid, "role": "candidate"} for uid in ids],
        )
        db.session.execute(
            insert(AssessorAllocation),
            [
                {"cohort_id": cohort.id, "candidate_id": uid, "assessor_id": tom if n < TOMS else big}
                for n, uid in enumerate(ids)
            ],
        )
        now = datetime.now(UTC)
        theirs = [(n, uid, code) for n, uid in enumerate(ids) for code in MODULES]
        common = {"cohort_id": cohort.id, "family": "CCQ"}
        db.session.execute(
            insert(ModuleEnrolment),
            [
                {**common, "candidate_id": uid, "module_code": code, "module_id": modules[code]}
                for _, uid, code in theirs
            ],
        )
        db.session.execute(
            insert(Submission),
            [
                {
                    **common,
                    "candidate_id": uid,
                    "module_code": code,
                    "module_id": modules[code],
                    "attempt": attempt,
                    "submitted_at": now - timedelta(minutes=(n * 37 + attempt * 11 + len(code)) % 50_000),
                    "snapshot_hash": "0" * 64,
                }
                for n, uid, code in theirs
                for attempt in (1, 2)
            ],
        )
        db.session.commit()


def _page_statement(app, client, url: str):
    """GET the queue page; the statement that read its rows, with its parameters, and the response."""
    with app.app_context():
        engine = db.engine
    seen = []

    def grab(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    assert response.status_code == 200
    [found] = [(s, p) for s, p in seen if "queue_fresh_submission_window" in s]
    return found, response


def _explain(app, statement, parameters, *, generic: bool = False) -> dict:
    """The statement's plan as run (EXPLAIN ANALYZE). `generic`: the plan PostgreSQL keeps for a prepared
    statement (psycopg prepares one run five times; the server then stops planning it per run), made with
    the parameters unknown, as PREPARE and EXECUTE with plan_cache_mode = force_generic_plan."""
    with app.app_context():
        raw = db.session.connection().connection.dbapi_connection
        cursor = psycopg.ClientCursor(raw)
        if generic:
            names: list[str] = []

            def numbered(match) -> str:
                if match.group(1) not in names:
                    names.append(match.group(1))
                return f"${names.index(match.group(1)) + 1}"

            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute("PREPARE queue_page AS " + re.sub(r"%\((\w+)\)s", numbered, statement))
            values = ", ".join(cursor.mogrify("%s", [parameters[n]]) for n in names)
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE queue_page({values})")
        else:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
        found = cursor.fetchone()[0]
        if generic:
            cursor.execute("DEALLOCATE queue_page")
        db.session.rollback()
    found = (json.loads(found) if isinstance(found, str) else found)[0]
    # Compiling a statement of this size took seconds (core/db/database.py turns JIT off).
    assert "JIT" not in found
    return found["Plan"]


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _problems(plan) -> list[str]:
    """What the plan does that a bounded page must not: a whole table read, or a scan of too many rows."""
    found = []
    for node in _nodes(plan):
        kind, table = node["Node Type"], node.get("Relation Name")
        if kind == "Seq Scan" and table in FILLED:
            found.append(f"Seq Scan on {table}")
        if "Scan" in kind and table:
            read = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            read += node.get("Rows Removed by Index Recheck", 0)
            if read > BOUND:
                found.append(f"{kind} on {table}: {read:.0f} rows a loop")
    return found


def _read_from(plan, table: str) -> float:
    """Rows the plan took from a table in all (rows kept and thrown away, times loops)."""
    return sum(
        (n["Actual Rows"] + n.get("Rows Removed by Filter", 0)) * n["Actual Loops"]
        for n in _nodes(plan)
        if n.get("Relation Name") == table
    )


def _check(app, email: str, password: str, *, own: int) -> None:
    """Pages 1 to 5 of this assessor's queue, full while there are more, the first and the fifth read within
    bounds. `own`: how many attempts of theirs wait (a small queue may read them all, never the cohort's)."""
    client = signed_in(app, email, password)
    url = "/assessors/queue"
    for page in range(1, 6):
        (statement, parameters), response = _page_statement(app, client, url)
        url = next_link(response)
        assert len(rows_of(response)) == PAGE_SIZE if url else 0 < len(rows_of(response)) <= PAGE_SIZE
        for generic in (False, True) if page in (1, 5) else ():
            plan = _explain(app, statement, parameters, generic=generic)
            assert _problems(plan) == [], (email, page, generic, _problems(plan))
            # Two branches of attempts read a window each; each row of the page its attempt, and whether
            # an earlier one was referred (found among its candidate's attempts); for a small queue, each
            # branch its candidates' attempts too.
            per_row = 1 + len(MODULES) * 2
            bound = 2 * WINDOW + per_row * (PAGE_SIZE + 1) + (2 * own if own < WINDOW else 0)
            read = _read_from(plan, "submissions")
            assert read <= bound, (email, page, generic, read)
        if url is None:
            break


@pytest.fixture
def loaded(app):
    load_demo_data(app, content=False)
    _load(app)
    return app


def test_a_queue_page_reads_its_rows_not_the_cohort_with_no_statistics_and_with_them(loaded):
    app = loaded
    big, small = (CANDIDATES - TOMS) * 10, TOMS * 10 + 5  # and Tom's demo candidates' few
    _check(app, BIG, PASSWORD, own=big)
    _check(app, TOM, DEMO_PASSWORD, own=small)
    with app.app_context():
        for table in sorted(FILLED):
            db.session.execute(text(f"ANALYZE {table}"))
        db.session.commit()
    _check(app, BIG, PASSWORD, own=big)
    _check(app, TOM, DEMO_PASSWORD, own=small)
