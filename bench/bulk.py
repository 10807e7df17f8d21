"""Bulk loading for the benchmark's generator: COPY on PostgreSQL, executemany on SQLite, in the session's
own transaction; ids chosen up front (so rows can name each other without reading ids back); audit rows
appended to the hash chain in Python, as `core.audit.services.record` would write them.

Values go through each column's own bind processor (UTC times, enums, dates), so a bulk row is stored
exactly as the ORM would store it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Table, func, select, text

# Rows per executemany / per COPY flush: big enough that the per-statement overhead disappears.
CHUNK = 20_000


class Bulk:
    """Rows into tables of the session's connection, ids assigned here."""

    def __init__(self, session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect
        self.postgresql = self.dialect.name == "postgresql"
        self._next: dict[str, int] = {}
        self._procs: dict[str, list] = {}
        self.counts: dict[str, int] = {}

    def begin(self) -> None:
        """Settings for a bulk load on this connection. SQLite: a page cache of 256 MB, so the indexes of the
        big tables are updated in memory (the load is one transaction: one fsync, whatever `synchronous`)."""
        if not self.postgresql:
            self.session.execute(text("PRAGMA cache_size=-262144"))

    def end(self) -> None:
        """Sequences past the ids used (PostgreSQL); the connection's ordinary cache back (SQLite)."""
        if self.postgresql:
            for name, nxt in self._next.items():
                self.session.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"), {"t": name, "v": nxt - 1}
                )
        else:
            self.session.execute(text("PRAGMA cache_size=-2000"))

    def ids(self, table: Table, n: int) -> range:
        """n fresh ids for the table, after the largest in it."""
        name = table.name
        if name not in self._next:
            largest = self.session.scalar(select(func.max(table.c.id)))
            self._next[name] = (largest or 0) + 1
        start = self._next[name]
        self._next[name] = start + n
        return range(start, start + n)

    def insert(self, table: Table, rows: Sequence[dict]) -> None:
        """Insert the rows (dicts keyed by column name; a column left out takes None)."""
        if not rows:
            return
        given = set(rows[0])
        # A column left out with a Python-side default (a time, a status, version 1) takes it, as the ORM
        # would give it; one value for the whole batch.
        defaults = {
            c.key: (c.default.arg if c.default.is_scalar else c.default.arg(None))
            for c in table.columns
            if c.key not in given and c.default is not None and not c.primary_key
        }
        if defaults:
            rows = [{**defaults, **r} for r in rows]
        columns = [c for c in table.columns if c.key in rows[0]]
        procs = self._processors(table, columns)
        keys = [c.key for c in columns]
        raw = self.session.connection().connection.driver_connection
        names = ", ".join(f'"{c.name}"' for c in columns)
        for start in range(0, len(rows), CHUNK):
            chunk = [
                tuple(v if p is None else p(v) for p, v in zip(procs, (r.get(k) for k in keys), strict=True))
                for r in rows[start : start + CHUNK]
            ]
            if self.postgresql:
                with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    for values in chunk:
                        copy.write_row(values)
            else:
                marks = ", ".join("?" for _ in columns)
                # The names are the metadata's own tables and columns; every value is a parameter.
                sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'  # noqa: S608
                raw.executemany(sql, chunk)
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    def _processors(self, table: Table, columns) -> list:
        key = table.name + ":" + ",".join(c.key for c in columns)
        if key not in self._procs:
            self._procs[key] = [c.type._cached_bind_processor(self.dialect) for c in columns]
        return self._procs[key]


class Chain:
    """The audit chain's tail, to append rows to in bulk: each row as `record` writes it (hash version 2,
    salted digest of the personal fields), but the salt comes from the seed and the row's number, so the same
    seed gives the same rows."""

    def __init__(self, session, seed: int) -> None:
        from core.audit.models import AuditEvent
        from core.audit.services import GENESIS_HASH

        last = session.execute(
            select(AuditEvent.seq, AuditEvent.row_hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        self.seq, self.prev_hash = (last.seq, last.row_hash) if last else (0, GENESIS_HASH)
        self.seed = seed
        self.rows: list[dict] = []
        self.columns = [c.key for c in AuditEvent.__table__.columns if c.key != "id"]

    def append(
        self,
        action: str,
        *,
        at: datetime,
        actor_id: int | None,
        actor_label: str | None,
        actor_role: str | None,
        object_type: str | None,
        object_id,
        details: dict,
    ) -> None:
        from core.audit.models import AuditEvent
        from core.audit.services import compute_hash, personal_digest

        self.seq += 1
        event = AuditEvent(
            seq=self.seq,
            occurred_at=at.replace(microsecond=0),
            actor_id=actor_id,
            actor_label=actor_label,
            actor_role=actor_role,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            request_id=None,
            ip_address=None,
            details_json=json.dumps(details, sort_keys=True, default=str, ensure_ascii=False),
            prev_hash=self.prev_hash,
            hash_version=2,
            personal_salt=hashlib.sha256(f"bench-salt-{self.seed}-{self.seq}".encode()).hexdigest()[:32],
        )
        event.personal_digest = personal_digest(event)
        event.row_hash = compute_hash(event)
        self.prev_hash = event.row_hash
        self.rows.append({key: getattr(event, key) for key in self.columns})

    def write(self, bulk: Bulk) -> int:
        """Insert the rows appended since the last write; how many."""
        from core.audit.models import AuditEvent

        done = len(self.rows)
        bulk.insert(AuditEvent.__table__, self.rows)
        self.rows = []
        return done


def chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
