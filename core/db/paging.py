"""Keyset paging for the admin and personal lists: newest first, one page at a time; and the partial
indexes keyset reads use (the assessor queue's).

A page ends with the key of its last row, and the next page is the rows below that key, so a row written
while someone pages never shifts a page or shows twice (OFFSET would).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, Integer, Select, case, func, literal_column, text
from sqlalchemy.orm import InstrumentedAttribute

from core.extensions import db


def newest_first(
    query: Select[Any], key: InstrumentedAttribute[int], before: int | None, size: int
) -> tuple[list[Any], int | None]:
    """One page of the query's rows by descending key, below `before`; and the key the next page starts
    below (None on the last page)."""
    query = query.order_by(key.desc()).limit(size + 1)
    if before:
        query = query.where(key < before)
    rows = list(db.session.scalars(query))
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, getattr(rows[-1], key.key)


def by_name(column):
    """SQL: a name to order by regardless of case, in the order Python sorts `name.lower()`: PostgreSQL's
    collation would put "de Souza" among the Ds and ignore spaces; "C" compares code points, as Python does
    (SQLite's lower() is Python's, see database.py)."""
    lowered = func.lower(column)
    return lowered.collate("C") if db.engine.dialect.name == "postgresql" else lowered


# Keyset reads of a part of a table (a partial index in key order) ----------------------------------------
#
# A keyset read asks for the first rows of a partial index in its order: `WHERE <the index's predicate> AND
# (key, id) > cursor ORDER BY key, id LIMIT n`. PostgreSQL reads the index in order and stops after n rows
# only if it expects more than n rows; with no statistics (a table loaded and never analysed) it takes an
# equality on a column (`status = 'submitted'`) to keep one row in 200, and a subquery's `IS NULL` as much,
# expects a handful of rows, and reads all of them to sort them (a bitmap scan, of any index on the key):
# the plan hinges on the statistics. It takes `<expression> IS NOT NULL` to keep nearly every row instead
# (its default for an expression it has no statistics on), so these conditions are written as
# `CASE WHEN <condition> THEN 1 END IS NOT NULL`, the same in the index's predicate (PostgreSQL uses a
# partial index when the query holds its predicate, expression for expression). The read then costs its
# LIMIT whatever the statistics say; with them, the estimate only errs on the side of reading in order.
# SQLite plans by other rules: plain conditions there.


def _held(where: str) -> str:
    return f"(CASE WHEN {where} THEN 1 END) IS NOT NULL"


def keyset_index(name: str, *columns: str, where: str) -> Index:
    """A partial index of the rows `where` (SQL over the table's columns, constants only) in the order of
    `columns`, for keyset reads whose conditions include `keyset_where(<the same condition>)`."""
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(_held(where)))


def keyset_filter(condition):
    """SQL: a condition on the rows a keyset read finds, in the same form: PostgreSQL expects it to keep
    nearly every row, and neither database takes it as a way into any index (the read must go through the
    keyset index, or through the one lookup the query names)."""
    return case((condition, literal_column("1", Integer))).is_not(None)


def keyset_where(condition):
    """SQL: the condition as PostgreSQL must see it to use a `keyset_index` and to expect many rows from it
    (see above); as it is on SQLite. Its constants must be written into the SQL, not bound, to match the
    index's predicate: `sqlalchemy.literal(value, literal_execute=True)`."""
    if db.engine.dialect.name == "postgresql":
        return case((condition, literal_column("1", Integer))).is_not(None)
    return condition
