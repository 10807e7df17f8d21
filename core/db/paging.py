"""Keyset paging for the admin and personal lists: newest first, one page at a time.

A page ends with the key of its last row, and the next page is the rows below that key, so a row written
while someone pages never shifts a page or shows twice (OFFSET would).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
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
