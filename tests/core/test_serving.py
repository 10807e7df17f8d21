"""`./run.sh` serves as production does: gunicorn with several workers (not the development server) and the
mail sender beside it, started again when it stops; Ctrl-C stops both. This runs run.sh's serving part
(.serve.sh, which run.sh ends with) on a migrated database: run.sh's first half makes the virtual environment,
which the test suite already runs in, and migrates."""

from __future__ import annotations

import os
import re
import secrets
import signal
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.processes import free_port, running

ROOT = Path(__file__).resolve().parents[2]
STARTED = re.compile(r"mail sender started \(pid (\d+)\)")


def _until(check, timeout: float = 60.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"Not within {timeout}s: {what}", pytrace=False)


def _get(url: str):
    try:
        return urllib.request.urlopen(url, timeout=5)  # noqa: S310  (our own server on 127.0.0.1)
    except OSError:
        return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _senders(log: Path) -> list[int]:
    return [int(pid) for pid in STARTED.findall(log.read_text())] if log.exists() else []


@pytest.fixture
def served(database_url, tmp_path):
    """.serve.sh on a free port, as run.sh starts it (on the suite's migrated database, SQLite unless it runs
    on PostgreSQL); yields (process, base URL, mail log)."""
    port = free_port()
    env = {
        **os.environ,
        "WAYMARK_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "PORT": str(port),
        "FLASK_APP": "wsgi.py",
        "WAYMARK_BIN": str(Path(sys.executable).parent),
        "WAYMARK_SENDER_RESTART_SECONDS": "1",
        "WAYMARK_MFA_REQUIRED_ROLES": "",
    }
    env.pop("WAYMARK_DATA_DIR", None)
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log, running(["./.serve.sh"], log=log, cwd=ROOT, env=env) as process:
        base = f"http://127.0.0.1:{port}"
        _until(
            lambda: process.poll() is not None or _get(f"{base}/ping"),
            what=f"/ping answers\n{log_path.read_text()}",
        )
        assert process.poll() is None, log_path.read_text()
        yield process, base, tmp_path / "mail.log"


def test_run_sh_serves_with_gunicorn_and_keeps_the_mail_sender_running(served):
    process, base, mail_log = served
    ping = _get(f"{base}/ping")
    assert ping.headers["Server"].startswith("gunicorn")
    assert ping.read() == b"ok"
    login = _get(f"{base}/login").read().decode()
    assert 'name="password"' in login
    sheet = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', login).group(1)
    assert _get(base + sheet).headers["Cache-Control"] == "public, max-age=31536000, immutable"

    # The sender dies (kill -9, as a crash would): it is started again.
    [first] = _until(lambda: _senders(mail_log), what="the mail sender starts")
    os.kill(first, signal.SIGKILL)
    second = _until(lambda: [p for p in _senders(mail_log) if p != first], what="the sender restarts")[0]
    assert _alive(second)
    assert "mail sender stopped (exit 137)" in mail_log.read_text()

    # Ctrl-C: gunicorn and the sender stop, and so does the script.
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0
    _until(lambda: not _alive(second), timeout=10, what="the sender stops")
    assert _get(f"{base}/ping") is None
