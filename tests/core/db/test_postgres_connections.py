"""How Waymark talks to PostgreSQL (core/db/postgres.py, issue 15's W1): the hot reads are prepared and stay
prepared from request to request, a transaction that wrote still rolls back, and a connection lost while it
sat idle in the pool is replaced before anyone sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text

from core.accounts.models import User
from core.db import postgres
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


def test_a_transaction_that_wrote_is_still_rolled_back(app, jo):
    jo.get(MODULE_PAGE)
    with app.app_context():
        before = db.session.scalar(select(func.count(User.id)))
        db.session.add(User(email="not-kept@example.test", name="Not kept", password_hash="x"))
        db.session.flush()
        assert db.session.scalar(select(func.count(User.id))) == before + 1
        db.session.rollback()
        assert db.session.scalar(select(func.count(User.id))) == before
        assert db.session.scalar(select(User.id).where(User.email == "not-kept@example.test")) is None


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
