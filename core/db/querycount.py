"""Counting SQL statements: query budgets in tests, and an X-Query-Count header in bench mode."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.extensions import db


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    """Collect every statement the engine runs inside the block (for query-budget tests)."""
    statements: list[str] = []

    def _before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _before)


def install_query_header(app: Flask) -> None:
    """In bench mode, report each request's statement count in X-Query-Count (quality.md: W1-W3)."""
    if not app.config.get("WAYMARK_BENCH"):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args):
        if has_request_context():
            g.query_count = g.get("query_count", 0) + 1

    @app.after_request
    def _header(response):
        response.headers["X-Query-Count"] = str(g.get("query_count", 0))
        return response
