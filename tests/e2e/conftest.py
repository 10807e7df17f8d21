"""Browser fixtures: the real server on a free port with the demo loaded, and Debian's Chromium.

The browser tests skip when no Chromium is found, unless WAYMARK_REQUIRE_BROWSER=1 (as in CI), which makes
a missing browser a failure instead.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.processes import free_port, running

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT = 30
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi.py"]


def _no_browser(reason: str) -> None:
    if os.environ.get("WAYMARK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; WAYMARK_REQUIRE_BROWSER=1 requires the browser tests.", pytrace=False)
    pytest.skip(f"{reason}: browser tests skipped")


def _find_chromium() -> str | None:
    candidates = [os.environ.get("WAYMARK_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"]
    candidates.append(shutil.which("chromium"))
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _flask(env: dict, log, *args: str) -> None:
    command = [*FLASK, *args]
    result = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)  # noqa: S603
    if result.returncode != 0:
        log.flush()
        pytest.fail(f"`flask {' '.join(args)}` failed:\n{Path(log.name).read_text()}", pytrace=False)


def _run(env: dict, log, step: list[str]) -> None:
    if step[0] != "-m":
        _flask(env, log, *step)
        return
    command = [sys.executable, *step]
    result = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)  # noqa: S603
    if result.returncode != 0:
        log.flush()
        pytest.fail(f"`python {' '.join(step)}` failed:\n{Path(log.name).read_text()}", pytrace=False)


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The server stopped ({process.returncode}):\n{log_path.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"No answer to /ping within {START_TIMEOUT}s:\n{log_path.read_text()}", pytrace=False)


# Base URL -> the environment its server runs with (for the demo's mail sender, `delivered_mail`).
SERVED: dict[str, dict] = {}


def delivered_mail(base_url: str) -> str:
    """Send what the server's outbox holds, as the demo's mail sender does (`flask mail send`, one pass), and
    return what it wrote: the demo delivers email to its log, the one place a link in it can be read
    (the Outbox page never shows one)."""
    result = subprocess.run(  # noqa: S603
        [*FLASK, "mail", "send"], cwd=ROOT, env=SERVED[base_url], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def mail_to(delivered: str, email: str) -> str:
    """The text of the email to this address in what `delivered_mail` returned (up to the next email)."""
    start = delivered.find(f"mail to {email}:")
    assert start >= 0, f"no email to {email}:\n{delivered}"
    end = delivered.find("mail to ", start + 1)
    return delivered[start : end if end >= 0 else None]


def serve_demo(
    tmp_path_factory,
    name: str = "e2e-instance",
    settings: dict | None = None,
    prepare: list | None = None,
    host: str = "127.0.0.1",
):
    """Serve the real app by `flask run` on a free local port, on a fresh SQLite database with the demo
    loaded; yields its base URL (a generator, for fixtures of any scope). `settings` adds
    environment variables (single sign-on's providers, say); `prepare` lists commands run on the database
    after the demo is loaded (`flask` arguments, or a module run with `python -m`, as
    ["-m", "tests.e2e.x_setup"]); `host` names the server in its address (`localhost` where a browser
    refuses an IP address, as WebAuthn does)."""
    instance = tmp_path_factory.mktemp(name)
    port = free_port()
    base_url = f"http://{host}:{port}"
    env = {
        **os.environ,
        "WAYMARK_INSTANCE_DIR": str(instance),
        # Always SQLite here, whatever the outer environment points at.
        "DATABASE_URL": f"sqlite:///{instance / 'e2e.db'}",
        "SECRET_KEY": secrets.token_hex(32),
        # Links in emails (invitations) must point at this server.
        "WAYMARK_BASE_URL": base_url,
        "FLASK_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
        # As ./run.sh serves the demo: staff sign in with their password alone (tests/e2e/test_mfa.py asks).
        "WAYMARK_MFA_REQUIRED_ROLES": "",
        **(settings or {}),
    }
    for name_ in ("FLASK_APP", "WAYMARK_DATA_DIR", "WAYMARK_HTTPS", "WAYMARK_PROXY_HOPS"):
        env.pop(name_, None)

    log_path = instance / "server.log"
    with log_path.open("w") as log:
        _flask(env, log, "db", "upgrade")
        _flask(env, log, "demo", "load")
        for step in prepare or []:
            _run(env, log, step)
        server = [*FLASK, "run", "--host", "127.0.0.1", "--port", str(port)]
        with running(server, log=log, cwd=ROOT, env=env) as process:
            _wait_until_up(base_url, process, log_path)
            SERVED[base_url] = env
            yield base_url


def server_of_its_own(name: str):
    """A test module's `live_server`: the app with the demo on a server of the module's own, for journeys
    that change the demo in ways other modules' pages do not expect."""

    @pytest.fixture(scope="module")
    def live_server(tmp_path_factory):
        yield from serve_demo(tmp_path_factory, name)

    return live_server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real app with the demo, shared by the browser tests that leave the demo as they found it."""
    yield from serve_demo(tmp_path_factory)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("Playwright is not installed (pip install -e '.[dev]')")
    executable = _find_chromium()
    if executable is None:
        _no_browser("No Chromium found (install Debian's chromium package or set WAYMARK_CHROMIUM)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, live_server):
    """Make browser contexts (own cookies each) on the live server; all are closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh context, so no cookie leaks from one test to the next."""
    return new_context().new_page()
