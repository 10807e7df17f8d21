"""Engine set-up per database, the lock-error translation both databases share, and the planner's
statistics after a bulk load."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from flask import Flask, has_request_context, request
from psycopg.pq import TransactionStatus
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from core.extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_engine(app: Flask) -> None:
    """Attach the per-dialect connection hooks to the app's engine."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, app.config["WAYMARK_SQLITE_BUSY_MS"])
    elif engine.dialect.name == "postgresql":
        _configure_postgresql(engine)


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # No JIT compilation: Waymark's statements are short reads and writes, and PostgreSQL compiles one
        # whose estimated cost passes jit_above_cost, which a statement of many branches does whenever the
        # statistics are missing or stale (the assessor queue's page took 8 s to compile, 10 ms to run).
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()  # psycopg ran the SET in a transaction: keep it for the session

    _keep_prepared_statements(engine)


@lru_cache(maxsize=256)  # as many as a worker's pages run, few of them long
def only_reads(statement: str) -> bool:
    """The statement only reads: SELECT, or WITH ... SELECT. The app writes no data-modifying CTEs, but a
    WITH that names INSERT, UPDATE or DELETE anywhere (a column `updated_at` too) counts as a write all the
    same. Remembered per statement: the queue's is 59 KB, and a regular expression took 2 ms to read it."""
    head = statement.lstrip()[:6].upper()
    if head == "SELECT":
        return True
    if not head.startswith("WITH"):
        return False
    upper = statement.upper()
    return not any(word in upper for word in ("INSERT", "UPDATE", "DELETE"))


def _keep_prepared_statements(engine: Engine) -> None:
    """End a transaction that only read with COMMIT rather than ROLLBACK, so psycopg keeps the connection's
    prepared statements.

    psycopg prepares a statement on a connection once it has run it five times (`prepare_threshold`), and
    PostgreSQL then plans it once for good (a generic plan) instead of on every run; but psycopg forgets them
    all (DEALLOCATE ALL) on every rollback, and every request ends with one (the session closes, the pool
    resets the connection), so no statement was ever prepared. Planning the assessor queue's page statement
    took ~13 ms of its ~19 (bench/README.md, W3 at M and L). For a transaction that ran nothing but reads,
    COMMIT and ROLLBACK are the same; one that wrote anything, or failed, is rolled back as before."""

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.info["waymark_wrote"] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if not conn.info.get("waymark_wrote") and not only_reads(statement):
            conn.info["waymark_wrote"] = True

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn) -> None:
        if conn.info.get("waymark_wrote", True):
            return
        dbapi_connection = conn.connection.dbapi_connection
        if dbapi_connection.info.transaction_status == TransactionStatus.INTRANS:
            # Nothing written: ends it as the rollback would; psycopg's rollback then finds no transaction.
            dbapi_connection.commit()


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
