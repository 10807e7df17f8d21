"""One row per key, made on first use: the person's draft of a form, of an answer.

Two requests may make the first row at once (two tabs, an autosave and a button): the unique key lets one
insert win, and the other reads the winner's row instead of failing.
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
    savepoint = db.session.begin_nested()
    try:
        row = model(**keys, **(defaults or {}))
        db.session.add(row)
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        return db.session.scalars(query).one()
    savepoint.commit()
    return row
