"""`flask backup create/verify`: consistent snapshots, blob hashes, tamper detection, a tried restore."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from core.accounts.models import Role
from core.app import create_app
from core.audit.models import AuditEvent
from core.audit.services import record
from core.db.backup import libpq_url
from core.extensions import db
from core.files.storage import get_store
from tests.conftest import TEST_CONFIG
from tests.support.html import login, logout
from tests.support.people import make_user

BLOBS = [b"first evidence file\n", b"second evidence file, a little longer\n" * 50]


def _populate(app) -> list[str]:
    """Two accounts, sign-ins and a failed one (audit rows), and two stored blobs; returns blob names."""
    make_user(app, "jo@school.example")
    make_user(app, "ada@uni.example", name="Ada Admin", roles=(Role.ADMIN,))
    client = app.test_client()
    login(client, "jo@school.example")
    logout(client)
    login(client, "ada@uni.example", "wrong password")
    login(client, "ada@uni.example")
    store = get_store(app)
    return [store.put_stream(io.BytesIO(data), max_bytes=1 << 20).sha256 for data in BLOBS]


def _create(runner, dest: Path) -> Path:
    result = runner.invoke(args=["backup", "create", str(dest)])
    assert result.exit_code == 0, result.output
    backup = Path(result.output.strip().splitlines()[-1])
    assert backup.parent == dest
    assert backup.is_dir()
    return backup


def _verify(runner, backup: Path):
    return runner.invoke(args=["backup", "verify", str(backup)])


def _counts(app) -> dict[str, int]:
    with app.app_context():
        tables = inspect(db.engine).get_table_names()
        return {t: db.session.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in tables}  # noqa: S608


def _restore_and_check(backup: Path, tmp_path: Path) -> None:
    """Restore as docs/operations.md says, into a fresh place; counts, blobs and the audit chain must hold."""
    manifest = json.loads((backup / "manifest.json").read_text())
    target = tmp_path / f"restored-{uuid.uuid4().hex[:8]}"
    data_dir = target / "data"
    shutil.copytree(backup / "files", data_dir / "files")
    if manifest["database"]["kind"] == "sqlite":
        (target / "instance").mkdir()
        shutil.copyfile(backup / "waymark.db", target / "instance" / "waymark.db")
        _check_restored(f"sqlite:///{target / 'instance' / 'waymark.db'}", data_dir, manifest)
        return
    source = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql")
    scratch = f"waymark_restore_{uuid.uuid4().hex[:8]}"
    admin_url = source.render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        restore_url, env = libpq_url(source.set(database=scratch))
        subprocess.run(  # noqa: S603
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", restore_url, str(backup / "database.dump")],  # noqa: S607
            check=True,
            capture_output=True,
            env={**os.environ, **env},
        )
        _check_restored(
            source.set(database=scratch).render_as_string(hide_password=False), data_dir, manifest
        )
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _check_restored(url: str, data_dir: Path, manifest: dict) -> None:
    restored = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "WAYMARK_DATA_DIR": str(data_dir)})
    try:
        assert _counts(restored) == manifest["tables"]
        with restored.app_context():
            last = db.session.execute(
                select(AuditEvent.seq, AuditEvent.row_hash).order_by(AuditEvent.seq.desc())
            ).first()
        assert (last.seq, last.row_hash) == (
            manifest["audit"]["last_seq"],
            manifest["audit"]["last_row_hash"],
        )
        result = restored.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 0, result.output
        assert "Audit chain intact" in result.output
        store = get_store(restored)
        for entry in manifest["blobs"]:
            with store.open(entry["name"]) as fh:
                assert len(fh.read()) == entry["size"]
    finally:
        with restored.app_context():
            db.engine.dispose()


def test_backup_verifies_and_restores(app, runner, tmp_path):
    names = _populate(app)
    backup = _create(runner, tmp_path / "backups")

    manifest = json.loads((backup / "manifest.json").read_text())
    assert sorted(e["name"] for e in manifest["blobs"]) == sorted(names)
    assert all(e["name"] == e["sha256"] for e in manifest["blobs"])
    assert manifest["tables"] == _counts(app)
    assert manifest["tables"]["users"] == 2
    assert manifest["audit"]["last_seq"] == manifest["tables"]["audit_events"] >= 4
    assert manifest["schema_revision"]

    result = _verify(runner, backup)
    assert result.exit_code == 0, result.output
    assert "Backup intact" in result.output
    _restore_and_check(backup, tmp_path)


def test_a_tampered_or_missing_blob_is_named(app, runner, tmp_path):
    altered, removed = _populate(app)
    backup = _create(runner, tmp_path / "backups")
    blob_path = get_store(app).path_for(altered).relative_to(Path(app.config["WAYMARK_DATA_DIR"]))
    (backup / blob_path).write_bytes(b"not what was uploaded")
    (backup / get_store(app).path_for(removed).relative_to(Path(app.config["WAYMARK_DATA_DIR"]))).unlink()

    result = _verify(runner, backup)

    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert f"blob {altered}: its content does not match its name (altered)" in lines
    assert f"blob {removed}: missing from the backup" in lines
    assert len(lines) == 2


def test_a_rewritten_database_or_manifest_is_caught(app, runner, tmp_path):
    _populate(app)
    backup = _create(runner, tmp_path / "backups")
    manifest_path = backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["tables"]["users"] += 1
    manifest_path.write_text(json.dumps(manifest))
    dump = backup / manifest["database"]["file"]
    with dump.open("r+b") as fh:
        fh.seek(dump.stat().st_size // 2)
        fh.write(b"\xff\xfe")

    result = _verify(runner, backup)

    assert result.exit_code == 1
    assert f"{dump.name}: its SHA-256 does not match the manifest (altered)" in result.output


def test_verify_recomputes_the_audit_chain_of_a_sqlite_backup(app, runner, tmp_path):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the chain of a PostgreSQL backup is checked after a restore, with `flask audit verify`")
    _populate(app)
    backup = _create(runner, tmp_path / "backups")
    # Someone rewrites a row in the backup and fixes up the file's hash in the manifest to match.
    conn = sqlite3.connect(backup / "waymark.db")
    conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    conn.execute("UPDATE audit_events SET actor_label = 'someone@else.example' WHERE seq = 2")
    conn.commit()
    conn.close()
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["database"]["sha256"] = hashlib.sha256((backup / "waymark.db").read_bytes()).hexdigest()
    (backup / "manifest.json").write_text(json.dumps(manifest))

    result = _verify(runner, backup)

    assert result.exit_code == 1
    assert result.output.strip() == "audit row 2: its contents do not match its hash (altered)"


def test_backup_during_writes_is_consistent(app, runner, tmp_path):
    _populate(app)
    written = 0
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer():
        nonlocal written
        try:
            with app.app_context():
                while not stop.is_set():
                    record("backup_test_write", details={"n": written})
                    db.session.commit()
                    written += 1
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    def wait_for(count: int) -> None:
        for _ in range(2000):
            if written >= count or failures:
                return
            threading.Event().wait(0.005)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_for(5)
        before = written
        backup = _create(runner, tmp_path / "backups")
        wait_for(before + 10)
    finally:
        stop.set()
        thread.join()
    assert not failures, failures

    result = _verify(runner, backup)
    assert result.exit_code == 0, result.output
    manifest = json.loads((backup / "manifest.json").read_text())
    with app.app_context():
        total = db.session.scalar(select(func.count(AuditEvent.id)))
    assert manifest["tables"]["audit_events"] < total  # writes went on after the snapshot
    _restore_and_check(backup, tmp_path)
