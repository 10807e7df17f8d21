"""How Waymark talks to PostgreSQL (core/db/postgres.py, issue 15's W1): the hot reads are prepared and stay
prepared from request to request, a transaction that wrote still rolls back, and a connection lost while it
sat idle in the pool is replaced before anyone sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text

from core.accounts.models import LoginAttempt
from core.db import postgres
from core.db.postgres import only_reads, prepared
from core.extensions import db
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.html import page_text, signed_in_fixture
from tests.support.people import JO

MODULE_PAGE = "/study/CCQ/M01"
TITLE = "M01 Communicating and Working with Others in CEIAG"

demo = demo_fixture(load_study_demo)
jo = signed_in_fixture(JO)


def _postgresql_only(app) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: prepared statements and pooled server connections")


def _prepared(app) -> dict[str, int]:
    """The statements prepared on the pool's connection, with how often each was run since."""
    with app.app_context():
        rows = db.session.execute(
            text("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        ).all()
        db.session.rollback()
    return dict(rows)


def _end_server_connections(app) -> int:
    """Terminate every server connection of the app's database but the caller's, as a restart would."""
    with app.app_context():
        url = db.engine.url
    admin = create_engine(url)
    with admin.begin() as conn:
        ended = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    return ended


def test_the_module_page_runs_prepared_statements_that_outlive_each_request(app, jo):
    _postgresql_only(app)
    for _ in range(3):
        response = jo.get(MODULE_PAGE)
        assert response.status_code == 200
        assert TITLE in page_text(response)

    runs = _prepared(app)
    session = next(n for s, n in runs.items() if "FROM login_sessions" in s)
    enrolment = next(n for s, n in runs.items() if s.startswith("SELECT module_enrolments.id"))
    # Prepared once, run on every request since: the requests ended with COMMIT (they only read), which,
    # unlike a rollback, leaves psycopg's prepared statements in place.
    assert session >= 3
    assert enrolment >= 3


def test_a_failed_statement_rolls_back_and_the_next_request_works(app, jo):
    with app.app_context():
        with pytest.raises(Exception, match="no_such_table"):
            db.session.execute(text("SELECT * FROM no_such_table"))
        db.session.rollback()
    response = jo.get(MODULE_PAGE)
    assert response.status_code == 200
    assert TITLE in page_text(response)


def test_a_connection_lost_while_idle_is_replaced_unseen(app, jo, monkeypatch):
    _postgresql_only(app)
    assert jo.get(MODULE_PAGE).status_code == 200
    assert _end_server_connections(app) >= 1
    monkeypatch.setattr(postgres, "PING_AFTER_IDLE_S", 0.0)  # as if it had sat in the pool for a while

    response = jo.get(MODULE_PAGE)
    assert response.status_code == 200
    assert TITLE in page_text(response)


def test_a_connection_lost_while_busy_fails_one_request_and_the_next_works(app, jo, monkeypatch):
    """The price of not pinging on every checkout (a round trip per request): a connection that dies between
    two requests a moment apart fails the second; the pool then replaces every older connection."""
    _postgresql_only(app)
    assert jo.get(MODULE_PAGE).status_code == 200
    monkeypatch.setattr(postgres, "PING_AFTER_IDLE_S", 3600.0)
    _end_server_connections(app)

    failed = jo.get(MODULE_PAGE)
    assert failed.status_code == 500
    assert "Something went wrong on our side" in page_text(failed)  # the error page, no traceback
    response = jo.get(MODULE_PAGE)
    assert response.status_code == 200
    assert TITLE in page_text(response)


@pytest.mark.parametrize(
    ("statement", "reads"),
    [
        ("SELECT users.id FROM users", True),
        ("\n  select 1", True),
        ("WITH queue_owner AS MATERIALIZED (SELECT 1) SELECT * FROM queue_owner", True),
        ("SELECT users.updated_at, users.deleted_at FROM users FOR UPDATE", True),
        ("WITH x AS (SELECT users.updated_at FROM users) SELECT * FROM x", False),  # erring on the safe side
        ("WITH gone AS (DELETE FROM users RETURNING id) SELECT count(*) FROM gone", False),
        ("INSERT INTO users (email) VALUES ('a')", False),
        ("UPDATE users SET name = 'a'", False),
        ("SAVEPOINT sa_savepoint_1", False),
        ("SELECT pg_advisory_xact_lock(1)", True),
    ],
)
def test_what_counts_as_only_reading(statement, reads):
    assert only_reads(statement) is reads


def _attempts(email: str):
    return select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == email)


def test_a_marked_statement_stays_prepared_past_a_read_only_transaction_and_others_are_not(app):
    _postgresql_only(app)
    with app.app_context():
        for _ in range(7):  # as many requests, each ending as a request does
            db.session.scalar(prepared(_attempts("x@example.org")))
            db.session.scalar(_attempts("y@example.org").where(LoginAttempt.kind == "login"))
            db.session.rollback()
    statements = _prepared(app)
    assert [n for s, n in statements.items() if "login_attempts" in s] == [7]  # the marked one only


def test_a_transaction_that_wrote_is_still_rolled_back(app):
    with app.app_context():
        db.session.scalar(prepared(_attempts("x@example.org")))
        db.session.add(LoginAttempt(kind="login", email="x@example.org", ip_address="192.0.2.1"))
        db.session.flush()
        assert db.session.scalar(_attempts("x@example.org")) == 1
        db.session.rollback()
        assert db.session.scalar(_attempts("x@example.org")) == 0
        db.session.rollback()
