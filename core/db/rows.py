"""One row per key, made on first use: the person's draft of a form, of an answer; a row added once.

Two requests may make the first row at once (two tabs, an autosave and a button, a double click, two
servers' runs): the unique key lets one insert win, and the other learns so instead of failing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.extensions import db

Row = TypeVar("Row")


def locked_row(model: type[Row], defaults: dict[str, Any] | None = None, **keys: Any) -> Row:
    """The row of `model` with these unique `keys`, locked for this transaction (FOR UPDATE where the
    database has it; SQLite's writes are serialised already), made with `defaults` when there is none."""
    query = select(model).filter_by(**keys).with_for_update()
    row = db.session.scalar(query)
    if row is not None:
        return row
    row = model(**keys, **(defaults or {}))
    return row if added(row) else db.session.scalars(query).one()


def added(row) -> bool:
    """Add the row in a savepoint of its own: True; or False, with nothing added and the transaction still
    usable, when a unique key says the same row was added first (the same thing sent twice at once)."""
    savepoint = db.session.begin_nested()
    try:
        db.session.add(row)
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True
