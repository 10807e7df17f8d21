"""Engine set-up per database, the lock-error translation both databases share, and the planner's
statistics after a bulk load."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from core.db import postgres
from core.extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_engine(app: Flask) -> None:
    """Attach the per-dialect connection hooks to the app's engine."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, app.config["WAYMARK_SQLITE_BUSY_MS"])
    elif engine.dialect.name == "postgresql":
        postgres.configure(engine)


def _configure_sqlite(engine: Engine, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's lower() folds ASCII letters only; PostgreSQL's and Python's fold every letter ("Élodie"),
        # so an order by lower(name) (the cohort report's) is the same on both databases and in Python.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # A deferred BEGIN that later writes fails with SQLITE_BUSY when another writer got in first;
        # BEGIN IMMEDIATE takes the write lock up front, so concurrent read-then-write transactions wait
        # (busy_timeout) instead. Reads on GET stay deferred so readers never queue behind writers.
        if has_request_context() and request.method in READ_ONLY_METHODS:
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def is_lock_error(exc: BaseException) -> bool:
    """True when the database refused because another transaction held a lock for too long."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "lock timeout" in text or "could not obtain lock" in text


def analyse(tables=None) -> list[str]:
    """Refresh the query planner's statistics of these tables (names; every table when None), and return
    their names: after a bulk load (an import, the demo, the benchmark's generator), so that the next
    queries are not planned as if the tables were still empty. PostgreSQL's autovacuum would analyse them
    within minutes where it runs; nothing else ever does, and SQLite keeps no statistics until asked."""
    quote = db.engine.dialect.identifier_preparer.quote
    names = sorted(tables) if tables is not None else sorted(db.metadata.tables)
    if tables is None:
        db.session.execute(text("ANALYZE"))
    else:
        for name in names:
            db.session.execute(text(f"ANALYZE {quote(name)}"))
    return names


@contextmanager
def loading() -> Iterator[set[str]]:
    """Inside the block, the names of the tables the session inserts rows into (filled as it flushes), for
    `analyse` once the load is committed."""
    tables: set[str] = set()

    def collect(session, _context) -> None:
        tables.update(obj.__table__.name for obj in session.new if hasattr(obj, "__table__"))

    session = db.session()
    event.listen(session, "after_flush", collect)
    try:
        yield tables
    finally:
        event.remove(session, "after_flush", collect)
