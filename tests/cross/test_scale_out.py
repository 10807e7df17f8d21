"""Scale-out, shown: two app servers (gunicorn, separate processes with their own instance folders and
in-process caches) on one database and one shared file store, behind a load balancer (tests/support/proxy.py).
A session started on one continues on the other and ends on both; a file uploaded through one downloads
through the other byte for byte; assessors marking the same work at once through both lose nothing (W6).

On PostgreSQL (the suite's PostgreSQL run) this is the layout docs/operations.md describes for a university;
on SQLite it is what ./run.sh's several workers do to one database file."""

from __future__ import annotations

import os
import re
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.audit.services import verify_chain
from core.extensions import db
from portfolio.submissions.models import Submission
from tests.support.backing import back_submission
from tests.support.html import csrf_from, form_with
from tests.support.marking import (
    assessment_id_of,
    assessment_row,
    criteria_on,
    judgement,
    sample_nothing,
    start_form,
)
from tests.support.people import DEMO_PASSWORD, JO, TOM
from tests.support.processes import free_port, running
from tests.support.proxy import balancing
from tests.support.uploads import pdf

ROOT = Path(__file__).resolve().parents[2]
A, B = {"X-Backend": "0"}, {"X-Backend": "1"}
MARKERS = 6  # W6 names 8 assessors; 6 sessions of one assessor keep this test light on two cores


class Page:
    """A requests response as the form helpers read pages (tests/support/html.py)."""

    def __init__(self, response: requests.Response):
        self.status_code, self.text = response.status_code, response.text
        self.served_by = response.headers.get("X-Served-By")

    def get_data(self, as_text: bool = False):
        return self.text if as_text else self.text.encode()


def _up(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def cluster(app, database_url, tmp_path):
    """The demo in the suite's database; two app servers on it, sharing the file store; the balancer's URL."""
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    ports = [free_port(), free_port()]
    common = {
        **os.environ,
        "SECRET_KEY": secrets.token_hex(32),  # one key for both: either can read the other's cookies
        "DATABASE_URL": database_url,
        "WAYMARK_DATA_DIR": app.config["WAYMARK_DATA_DIR"],
        "WAYMARK_MFA_REQUIRED_ROLES": "",
        "PYTHONUNBUFFERED": "1",
    }
    with (tmp_path / "servers.log").open("w") as log, balancing(ports) as base:
        servers = []
        with running(_gunicorn(ports[0]), log=log, cwd=ROOT, env=_own(common, tmp_path / "a", base)) as a:
            servers.append(a)
            with running(_gunicorn(ports[1]), log=log, cwd=ROOT, env=_own(common, tmp_path / "b", base)) as b:
                servers.append(b)
                deadline = time.monotonic() + 90
                while not all(_up(p) for p in ports):
                    stopped = [s for s in servers if s.poll() is not None]
                    assert not stopped, (tmp_path / "servers.log").read_text()
                    assert time.monotonic() < deadline, (tmp_path / "servers.log").read_text()
                    time.sleep(0.3)
                yield base


def _gunicorn(port: int) -> list[str]:
    # One worker of four threads each: two processes in all, as few as shows the point on two cores.
    server = ["wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"]
    return [sys.executable, "-m", "gunicorn", *server, "--no-control-socket"]


def _own(common: dict, instance: Path, base: str) -> dict:
    instance.mkdir()
    return {**common, "WAYMARK_INSTANCE_DIR": str(instance), "WAYMARK_BASE_URL": base}


def _sign_in(base: str, email: str, via: dict) -> requests.Session:
    browser = requests.Session()
    token = csrf_from(browser.get(f"{base}/login", headers=via).text)
    form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    answer = browser.post(f"{base}/login", data=form, headers=via, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return browser


def test_a_session_started_on_one_server_continues_and_ends_on_the_other(cluster):
    jo = _sign_in(cluster, JO, A)
    home = jo.get(f"{cluster}/", headers=B, allow_redirects=False)
    assert (home.status_code, home.headers["X-Served-By"]) == (200, "1")
    assert "Jo Patel" in home.text
    token = csrf_from(jo.get(f"{cluster}/account", headers=B).text)
    assert jo.post(f"{cluster}/logout", data={"csrf_token": token}, headers=B, allow_redirects=False).ok
    after = jo.get(f"{cluster}/account", headers=A, allow_redirects=False)
    assert (after.status_code, after.headers["Location"]) == (302, "/login?next=/account")


def test_a_file_uploaded_through_one_server_downloads_byte_for_byte_through_the_other(cluster):
    jo = _sign_in(cluster, JO, A)
    content = pdf(secrets.token_hex(256 * 1024).encode())  # half a megabyte
    page = jo.get(f"{cluster}/portfolio/new?kind=file", headers=A)
    fields = {
        "csrf_token": csrf_from(page.text),
        "title": "Careers fair photographs",
        "activity_date": "2026-11-02",
        "context_md": "",
        "anonymised": "y",
    }
    added = jo.post(
        f"{cluster}/portfolio/new?kind=file",
        data=fields,
        files={"file": ("fair.pdf", content, "application/pdf")},
        headers=A,
        allow_redirects=False,
    )
    assert (added.status_code, added.headers["X-Served-By"]) == (302, "0"), added.text
    item = jo.get(cluster + added.headers["Location"], headers=B)
    link = re.search(r'href="(/files/[0-9a-f]{64}/\d+)"', item.text).group(1)
    download = jo.get(cluster + link, headers=B)
    assert (download.status_code, download.headers["X-Served-By"]) == (200, "1")
    assert download.content == content


def _at_once(calls) -> list[requests.Response]:
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls, timeout=120))


def _press(browser, base: str, page: Page, via: dict, button: str, changes: dict):
    form = form_with(page, button)
    return lambda: browser.post(
        base + form.action, data=form.data(button, changes), headers=via, allow_redirects=False
    )


def _referral(refs: list[str], feedback: str) -> dict:
    # The demo's evidence backs all but M01.1.2 (with Tom's sign-offs): Tom refers it.
    return judgement(
        refs=refs, decision="referred", not_met=["M01.1.2"], action="Add M01.1.2.", feedback=feedback
    )


def test_assessors_marking_the_same_work_through_both_servers_lose_no_update(app, cluster):
    with app.app_context():
        submission_id = db.session.scalar(select(Submission.id).where(Submission.module_code == "M01"))
    back_submission(app, submission_id)  # Tom signs off what the portfolio cannot show
    sample_nothing(app)  # a completed decision goes straight to ready for release
    tom = _sign_in(cluster, TOM, A)
    queue = Page(tom.get(f"{cluster}/assessors/queue", headers=B))
    start = start_form(queue, f"/assessors/submissions/{submission_id}/start")
    started = _press(tom, cluster, queue, B, start.buttons[0][0], {})()
    assert started.status_code == 302, started.text
    assessment_id = assessment_id_of(app, submission_id)
    url = f"{cluster}/assessors/assessments/{assessment_id}"
    # Tom on six devices, half through each server.
    devices = [(_sign_in(cluster, TOM, A if n % 2 else B), A if n % 2 else B) for n in range(MARKERS)]
    answers: list[requests.Response] = []
    for round_ in ("mixed", "all complete"):
        pages = [Page(browser.get(url, headers=via)) for browser, via in devices]
        refs = criteria_on(pages[0].text)
        presses, written = [], []
        for n, ((browser, via), page) in enumerate(zip(devices, pages, strict=True)):
            feedback = f"{round_}: device {n}"
            if round_ == "mixed" and n % 2 == 0:
                presses.append(_press(browser, cluster, page, via, "Save draft", {"feedback_md": feedback}))
            else:
                presses.append(
                    _press(
                        browser,
                        cluster,
                        page,
                        via,
                        "Complete marking",
                        _referral(refs, feedback),
                    )
                )
            written.append(feedback)
        replies = _at_once(presses)
        answers += replies
        statuses = [r.status_code for r in replies]
        # Everyone read the same version: one write wins, every other is told of the conflict.
        assert sorted(statuses) == [302] + [409] * (MARKERS - 1), (
            statuses,
            re.sub(
                r"<[^>]+>",
                " ",
                next((r.text for r in replies if r.status_code == 422), "").split("error-summary", 1)[-1][
                    :3000
                ],
            ),
        )
        row = assessment_row(app, assessment_id)
        assert row["feedback_md"] == written[statuses.index(302)]  # the winner's words, nobody else's
        if row["status"] == "ready_for_release":
            break
    assert assessment_row(app, assessment_id)["status"] == "ready_for_release"
    assert {r.headers["X-Served-By"] for r in answers} == {"0", "1"}
    with app.app_context():
        completions = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "marking_completed", AuditEvent.object_id == str(assessment_id))
        )
        checked, problems = verify_chain()
    assert completions == 1
    assert checked > 0
    assert problems == []
