"""Backups: a consistent database snapshot, a copy of the file store and a manifest to verify them by."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.orm import Session

from core.audit.models import AuditEvent
from core.audit.services import GENESIS_HASH, compute_hash
from core.extensions import db
from core.files.storage import FileStore, fsync_dir, get_store

MANIFEST = "manifest.json"
SQLITE_FILE = "waymark.db"
PG_DUMP_FILE = "database.dump"
FORMAT_VERSION = 1
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup could not be made; the message says why."""


# Creating ------------------------------------------------------------------------------------------------


def create_backup(app: Flask, dest_dir: str | Path) -> Path:
    """Write DEST_DIR/<UTC timestamp>/ with the database, the blobs and manifest.json; return its path."""
    now = datetime.now(UTC)
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / now.strftime("%Y%m%dT%H%M%SZ")
    if final.exists():
        raise BackupError(f"{final} already exists; wait a second and try again.")
    # Built under a hidden name and renamed at the end, so a half-written backup never looks complete.
    work = dest / f".{final.name}.partial"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(mode=0o750)
    try:
        url = db.engine.url
        if url.get_backend_name() == "sqlite":
            database = _backup_sqlite(url.database, work / SQLITE_FILE)
        elif url.get_backend_name() == "postgresql":
            database = _backup_postgres(work / PG_DUMP_FILE)
        else:
            raise BackupError(f"cannot back up a {url.get_backend_name()} database")
        # After the snapshot: blobs are content addressed and never change or vanish while the snapshot's
        # rows refer to them, so every blob the snapshot needs is still there to copy.
        blobs = _copy_blobs(get_store(app), FileStore(work / "files"))
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.isoformat().replace("+00:00", "Z"),
            **database,
            "blobs": blobs,
        }
        _write_durably(work / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
        os.rename(work, final)
        fsync_dir(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def _backup_sqlite(source: str | None, target: Path) -> dict:
    if not source or source == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        # The online backup API copies in one step under a read transaction: a consistent snapshot even
        # while the app keeps writing (WAL lets the writers carry on meanwhile).
        src.backup(dst)
        # A self-contained file: no -wal/-shm companions to forget when it is copied back.
        dst.execute("PRAGMA journal_mode=DELETE")
        info = _describe_sqlite(dst)
    finally:
        dst.close()
        src.close()
    _fsync_file(target)
    return {"database": {"kind": "sqlite", "file": SQLITE_FILE, "sha256": _sha256_file(target)}, **info}


def _describe_sqlite(conn: sqlite3.Connection) -> dict:
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}  # noqa: S608
    last = conn.execute("SELECT seq, row_hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return _description(counts, last, revision[0] if revision else None)


def _description(counts: dict[str, int], last, revision: str | None) -> dict:
    return {
        "schema_revision": revision,
        "tables": counts,
        "audit": {"last_seq": last[0] if last else 0, "last_row_hash": last[1] if last else GENESIS_HASH},
    }


def libpq_url(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URL for pg_dump/pg_restore, and the environment that carries its password."""
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    # In PGPASSWORD rather than the command line, where every local user could read it in `ps`.
    env = {"PGPASSWORD": url.password} if url.password else {}
    return plain.render_as_string(hide_password=False), env


def _backup_postgres(target: Path) -> dict:
    conn_url, env = libpq_url(db.engine.url)
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        # pg_dump reads the snapshot this transaction exports, so the counts below and the dump are
        # exactly the same state of the database, however busy it is.
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        info = _describe_postgres(conn)
        result = subprocess.run(  # noqa: S603  (fixed program, no shell)
            [
                _program("pg_dump"),
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                "--file",
                str(target),
                conn_url,
            ],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
        conn.rollback()
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    _fsync_file(target)
    return {"database": {"kind": "postgresql", "file": PG_DUMP_FILE, "sha256": _sha256_file(target)}, **info}


def _program(name: str) -> str:
    # The client tools must be at least the server's major version; PATH decides which ones run.
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH (install the PostgreSQL client tools)")
    return found


def _describe_postgres(conn: Connection) -> dict:
    tables = conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    ).scalars()
    quote = conn.dialect.identifier_preparer.quote
    # The names come from the catalogue and are quoted: nothing user-supplied reaches the SQL.
    sql = "SELECT count(*) FROM {}"
    counts = {name: conn.execute(text(sql.format(quote(name)))).scalar_one() for name in tables}
    last = conn.execute(text("SELECT seq, row_hash FROM audit_events ORDER BY seq DESC LIMIT 1")).first()
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return _description(counts, last, revision)


def _copy_blobs(source: FileStore, target: FileStore) -> list[dict]:
    copied = []
    for name in source.iter_blobs():
        destination = target.path_for(name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            digest, size = _copy_hashing(source.path_for(name), destination)
        except FileNotFoundError:
            continue  # swept after the listing: unreferenced, so the snapshot does not need it
        # The real hash is recorded even if it disagrees with the name, so verify reports the damage.
        copied.append({"name": name, "sha256": digest, "size": size})
    return copied


def _copy_hashing(src: Path, dst: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(_CHUNK):
            digest.update(chunk)
            fout.write(chunk)
            size += len(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    os.chmod(dst, 0o640)
    return digest.hexdigest(), size


def _write_durably(path: Path, data: bytes) -> None:
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640), "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_file(path: Path) -> None:
    # Personal data and password hashes: the owner and its group only, like the blobs.
    os.chmod(path, 0o640)
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# Verifying -----------------------------------------------------------------------------------------------


def verify_backup(backup_dir: str | Path) -> list[str]:
    """Check a backup against its manifest; return one line per problem (empty when all is well)."""
    backup = Path(backup_dir)
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        return [f"{MANIFEST}: cannot be read ({exc})"]
    problems = list(_verify_blobs(backup, manifest.get("blobs", [])))
    database = manifest.get("database", {})
    db_file = backup / database.get("file", "")
    if not database.get("file") or not db_file.is_file():
        return [*problems, f"database file {database.get('file')!r}: missing"]
    if _sha256_file(db_file) != database.get("sha256"):
        problems.append(f"{db_file.name}: its SHA-256 does not match the manifest (altered)")
    if database.get("kind") == "sqlite":
        problems.extend(_verify_sqlite(db_file, manifest))
    elif database.get("kind") == "postgresql":
        problems.extend(_verify_postgres_dump(db_file, manifest))
    else:
        problems.append(f"database kind {database.get('kind')!r}: unknown")
    return problems


def _verify_blobs(backup: Path, listed: list[dict]) -> Iterator[str]:
    store = FileStore(backup / "files")
    names = set()
    for entry in listed:
        name = entry.get("name", "")
        names.add(name)
        try:
            path = store.path_for(name)
        except ValueError:
            yield f"manifest: {name!r} is not a blob name"
            continue
        if not path.is_file():
            yield f"blob {name}: missing from the backup"
            continue
        actual = _sha256_file(path)
        if actual != name:
            yield f"blob {name}: its content does not match its name (altered)"
        elif actual != entry.get("sha256"):
            yield f"blob {name}: its SHA-256 does not match the manifest"
    for name in store.iter_blobs():
        if name not in names:
            yield f"blob {name}: in the backup but not in the manifest"


def _verify_sqlite(path: Path, manifest: dict) -> Iterator[str]:
    uri = f"file:{path}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            if (check := conn.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
                yield f"{path.name}: integrity check failed: {check}"
                return
            found = _describe_sqlite(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        yield f"{path.name}: cannot be read as a SQLite database ({exc})"
        return
    yield from _compare_counts(manifest.get("tables", {}), found["tables"])
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        with Session(engine) as session:
            last_seq, last_hash, chain = _verify_chain(session)
    finally:
        engine.dispose()
    yield from chain
    expected = manifest.get("audit", {})
    if last_seq != expected.get("last_seq") or last_hash != expected.get("last_row_hash"):
        yield (
            f"audit chain: ends at row {last_seq} ({last_hash[:12]}), "
            f"manifest says row {expected.get('last_seq')} ({str(expected.get('last_row_hash'))[:12]})"
        )


def _compare_counts(expected: dict[str, int], found: dict[str, int]) -> Iterator[str]:
    for table in sorted(expected.keys() | found.keys()):
        if expected.get(table) != found.get(table):
            yield f"table {table}: {found.get(table)} rows, manifest says {expected.get(table)}"


def _verify_chain(session: Session, batch_size: int = 2000) -> tuple[int, str, list[str]]:
    """The checks of core.audit.services.verify_chain over any session: (last seq, last hash, problems)."""
    problems: list[str] = []
    expected_prev, expected_seq = GENESIS_HASH, 1
    while True:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq >= expected_seq)
            .order_by(AuditEvent.seq)
            .limit(batch_size)
        ).all()
        if not rows:
            return expected_seq - 1, expected_prev, problems
        for event in rows:
            if event.seq != expected_seq:
                problems.append(f"audit row {event.seq}: expected row {expected_seq}: rows are missing")
            if event.prev_hash != expected_prev:
                problems.append(f"audit row {event.seq}: does not link to the row before it")
            if compute_hash(event) != event.row_hash:
                problems.append(f"audit row {event.seq}: its contents do not match its hash (altered)")
            expected_prev, expected_seq = event.row_hash, event.seq + 1
        session.expunge_all()


def _verify_postgres_dump(path: Path, manifest: dict) -> Iterator[str]:
    # Counts and the audit chain need a restore (docs/operations.md); here: is the archive readable and
    # does it hold data for every table the manifest counted?
    try:
        program = _program("pg_restore")
    except BackupError as exc:
        yield str(exc)
        return
    result = subprocess.run(  # noqa: S603  (fixed program, no shell)
        # A damaged dump can make pg_restore print bytes that are not UTF-8: report it, never crash on it.
        [program, "--list", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    if result.returncode != 0:
        yield f"{path.name}: pg_restore cannot read it ({result.stderr.strip()})"
        return
    with_data = set()
    for line in result.stdout.splitlines():
        # e.g. "3401; 0 16390 TABLE DATA public users postgres"
        if not line.startswith(";") and " TABLE DATA " in line:
            with_data.add(line.split(" TABLE DATA ", 1)[1].split()[1])
    for table in sorted(manifest.get("tables", {})):
        if table not in with_data:
            yield f"table {table}: no data in {path.name}"
