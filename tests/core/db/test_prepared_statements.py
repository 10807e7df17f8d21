"""On PostgreSQL a transaction that only read ends with COMMIT, so psycopg keeps the connection's prepared
statements from one request to the next (core/db/database.py, `_keep_prepared_statements`); one that wrote
is still rolled back."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select, text

from core.accounts.models import LoginAttempt
from core.db.database import only_reads
from core.extensions import db

on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="psycopg's prepared statements: runs when the suite runs on PostgreSQL (DATABASE_URL)",
)


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


def _prepared() -> int:
    return db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))


@on_postgresql
def test_prepared_statements_outlive_a_read_only_transaction(app):
    with app.app_context():
        query = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == "x@example.org")
        for _ in range(7):  # psycopg prepares a statement at its sixth run on a connection
            db.session.scalar(query)
            db.session.rollback()  # as every request ends
        assert _prepared() >= 1
        db.session.rollback()


@on_postgresql
def test_a_transaction_that_wrote_is_still_rolled_back(app):
    with app.app_context():
        db.session.add(LoginAttempt(kind="login", email="x@example.org", ip_address="192.0.2.1"))
        db.session.flush()
        db.session.rollback()
        count = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == "x@example.org")
        assert db.session.scalar(count) == 0
        db.session.rollback()
