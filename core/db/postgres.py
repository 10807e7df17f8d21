"""How Waymark talks to PostgreSQL: round trips and planning are what a page costs there, not the rows.

Three rules, each measured on the module page (W1, bench/README.md): the PostgreSQL backend spent 1.74 ms
of CPU per page before them and 0.36 ms after, the app's own CPU unchanged.

1. **A transaction that only read ends with COMMIT, not ROLLBACK.** psycopg forgets every prepared statement
   of a connection when it rolls back (a rollback may undo the DDL a statement was prepared against), and
   SQLAlchemy ends every request's transaction with a rollback when nothing committed: so no statement was
   ever prepared and PostgreSQL parsed and planned every statement of every page. For a transaction that
   ran only SELECTs, COMMIT and ROLLBACK leave the database the same; anything else (an INSERT, UPDATE,
   DELETE, a SET, a SAVEPOINT, a statement that failed) still rolls back.
2. **Only the statements marked `prepared()` are prepared**: those built once that every request or
   every page of a kind runs (the signed-in session, the module page, the candidate's home, the assessor's
   queue). PostgreSQL plans a prepared statement afresh for its first five runs, then keeps one plan for
   all values (a generic plan) when that is estimated no dearer: planning the queue's 59 KB statement took
   ~13 ms of its ~19 at tier M, and the queue's keyset shape plans the same whatever the queue's size
   (bench/README.md, W3 at M and L). Everything else, the cohort report's statements among them, is
   planned on every run as before (psycopg's automatic preparing after five runs is off).
3. **A connection is pinged only when it has been idle** in the pool for `PING_AFTER_IDLE_S`, not on every
   checkout (a round trip per request). A connection lost while busy fails that request; SQLAlchemy then
   discards every older connection of the pool, so each worker meets at most one such failure after a
   database restart or failover.
"""

from __future__ import annotations

import sys
import time
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

PING_AFTER_IDLE_S = 10.0

_WROTE = "waymark_wrote"  # in the connection record's info: this transaction ran more than SELECTs
_CHECKED_IN = "waymark_checked_in"  # in the connection record's info: time.monotonic() of the last checkin
_PREPARED = "waymark_prepared"  # execution option

S = TypeVar("S")


def prepared(statement: S) -> S:
    """Mark a statement to be prepared on PostgreSQL (rule 2 above): for statements built once whose plan
    does not depend on which row they read. No effect on SQLite."""
    return statement.execution_options(**{_PREPARED: True})  # type: ignore[attr-defined]


def configure(engine: Engine) -> None:
    """Attach rules 1-3 to a PostgreSQL engine made without `pool_pre_ping`."""
    dialect = engine.dialect
    plain_execute, plain_commit, plain_rollback = (
        dialect.do_execute,
        dialect.do_commit,
        dialect.do_rollback,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # No JIT compilation: Waymark's statements are short reads and writes, and PostgreSQL compiles one
        # whose estimated cost passes jit_above_cost, which a statement of many branches does whenever the
        # statistics are missing or stale (the assessor queue's page took 8 s to compile, 10 ms to run).
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()  # psycopg ran the SET in a transaction: keep it for the session
        # Rule 2: nothing is prepared unless marked. (None would refuse the marked ones too.)
        dbapi_connection.prepare_threshold = sys.maxsize

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(conn, _cursor, statement: str, _params, _context, _many) -> None:
        if not only_reads(statement):
            conn.info[_WROTE] = True

    def do_execute(cursor, statement, parameters, context=None) -> None:
        if context is not None and context.execution_options.get(_PREPARED):
            cursor.execute(statement, parameters, prepare=True)
        else:
            plain_execute(cursor, statement, parameters, context)

    def do_commit(dbapi_connection) -> None:
        flags = _flags(dbapi_connection)
        if flags is not None:
            flags.pop(_WROTE, None)
        plain_commit(dbapi_connection)

    def do_rollback(dbapi_connection) -> None:
        flags = _flags(dbapi_connection)
        wrote = True if flags is None else flags.pop(_WROTE, False)
        if not wrote and _in_clean_transaction(dbapi_connection):
            plain_commit(dbapi_connection)  # rule 1: same effect, keeps the prepared statements
        else:
            plain_rollback(dbapi_connection)

    dialect.do_execute = do_execute  # type: ignore[method-assign]
    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        last = record.info.get(_CHECKED_IN)
        if last is not None and time.monotonic() - last < PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the pool replaces the connection and tries again
            raise DisconnectionError(str(exc)) from exc


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


def _flags(pooled: Any) -> dict | None:
    """The pooled connection's record info, where `_note_writes` keeps its flag; None for a bare driver
    connection, which then always rolls back."""
    try:
        info = pooled.info
    except (AttributeError, NotImplementedError):  # SQLAlchemy's first-connect proxy has no info
        return None
    return info if isinstance(info, dict) else None


def _in_clean_transaction(pooled: Any) -> bool:
    """True when the connection is inside a transaction that has not failed (psycopg's status INTRANS)."""
    connection = getattr(pooled, "driver_connection", pooled)
    status = getattr(getattr(connection, "info", None), "transaction_status", None)
    return status is not None and status.name == "INTRANS"
