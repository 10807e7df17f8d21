"""Everything Waymark holds about one person, read table by table by the policy in rules.py."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, text

from core.accounts.models import User
from core.extensions import db
from core.privacy.rules import SUBJECT_ACCESS


@dataclass
class Holdings:
    """A person's rows: table -> (the kind in words, the rows as JSON-ready dicts), in schema order."""

    person: User
    tables: dict[str, tuple[str, list[dict[str, Any]]]] = field(default_factory=dict)
    # Files among them: (a name for the archive, the stored blob's sha256).
    files: list[tuple[str, str]] = field(default_factory=list)
    # The primary keys of the rows found, per table (retention and erasure act on them).
    keys: dict[str, list[Any]] = field(default_factory=dict)

    def kinds(self) -> list[str]:
        return [kind for kind, rows in self.tables.values() if rows]


def plain(value: Any) -> Any:
    """A value as JSON holds it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _conditions(table, holding, person: User, found: dict[str, set], *, every: bool):
    found_any = []
    for column, extra in holding.via.items():
        condition = table.c[column] == person.id
        found_any.append(and_(condition, text(extra)) if extra and not every else condition)
    for column in holding.email:
        found_any.append(table.c[column] == person.email)
    if holding.parent:
        column, parent = holding.parent
        ids = found.get(parent) or set()
        if ids:
            found_any.append(table.c[column].in_(sorted(ids)))
    return found_any


def holdings_of(person: User, *, every: bool = False) -> Holdings:
    """Every row the policy says concerns this person, and the files among them. `every`: also the rows
    not yet theirs to see (a judgement not released), as retention and erasure must reach them too."""
    result = Holdings(person)
    found: dict[str, set] = {}
    for table in db.metadata.sorted_tables:
        holding = SUBJECT_ACCESS.get(table.name)
        if holding is None:
            continue
        conditions = _conditions(table, holding, person, found, every=every)
        if not conditions:
            continue
        key = next(iter(table.primary_key.columns))
        rows = db.session.execute(select(table).where(or_(*conditions)).order_by(key)).mappings().all()
        found[table.name] = {row[key.name] for row in rows}
        result.keys[table.name] = [row[key.name] for row in rows]
        shown = [{k: plain(v) for k, v in row.items() if k not in holding.hide} for row in rows]
        result.tables[table.name] = (holding.kind, shown)
    result.files = _files(result)
    return result


def _files(result: Holdings) -> list[tuple[str, str]]:
    files = []
    for row in result.tables.get("evidence_versions", ("", []))[1]:
        if row.get("blob_sha256"):
            files.append((f"evidence/{row['id']}-{row.get('file_name') or 'file'}", row["blob_sha256"]))
    for row in result.tables.get("apl_claims", ("", []))[1]:
        if row.get("certificate_sha256"):
            name = row.get("certificate_file_name") or "certificate"
            files.append((f"apl/{row['id']}-{name}", row["certificate_sha256"]))
    return files


def left_on(today) -> dict[int, Any]:
    """Candidates who have left, and the day they left, from the areas' answers (core imports no area)."""
    found: dict[int, Any] = {}
    for answer in current_app.extensions.get("waymark_left_on", []):
        found.update(answer(today))
    return found
