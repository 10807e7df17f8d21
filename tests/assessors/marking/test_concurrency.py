"""W6 and F2 for marking: two real requests on one decision at the same moment (a live server, two sessions),
exactly one wins and the other gets a 409, never a 500; the audit chain still verifies. A crash before
commit leaves neither the decision nor its audit row; after commit, both. Runs on the SQLite file database
and, when DATABASE_URL names one, on PostgreSQL (the fixtures choose)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from core.audit.models import AuditEvent
from core.audit.services import verify_chain
from core.extensions import db
from tests.support.html import csrf_from, form_with, signed_in
from tests.support.marking import (
    assessment_id_of,
    assessment_row,
    criteria_on,
    judgement,
    load_marking_demo,
    start_marking,
    submit_m01,
)
from tests.support.people import DEMO_PASSWORD, JO, SAM, TOM


class _Stay(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # report the redirect itself (a 302 is the success of a form post)


class _Page:
    def __init__(self, status: int, text: str):
        self.status_code, self.text = status, text

    def get_data(self, as_text: bool = False):
        return self.text if as_text else self.text.encode()


class Browser:
    """A person's browser: its own cookies, real HTTP to the live server."""

    def __init__(self, base: str):
        self.base = base
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), _Stay())

    def _open(self, request: Request) -> _Page:
        try:
            with self.opener.open(request, timeout=30) as response:
                return _Page(response.status, response.read().decode())
        except HTTPError as exc:
            return _Page(exc.code, exc.read().decode())

    def get(self, path: str) -> _Page:
        return self._open(Request(self.base + path))  # noqa: S310  (http to our own live server)

    def post(self, path: str, data: dict) -> _Page:
        body = urlencode(data, doseq=True).encode()
        return self._open(Request(self.base + path, data=body, method="POST"))  # noqa: S310

    def sign_in(self, email: str) -> None:
        token = csrf_from(self.get("/login").text)
        assert (
            self.post("/login", {"email": email, "password": DEMO_PASSWORD, "csrf_token": token}).status_code
            == 302
        )


@pytest.fixture
def live(app):
    load_marking_demo(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _at_once(*calls) -> list[int]:
    """Run the calls at the same moment on their own threads; their status codes."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=10)
        return call().status_code

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls, timeout=60))


def _opened(app, base: str, code: str):
    """Jo submits a module (every criterion backed); Tom starts marking; two of Tom's devices open the same
    judgement page."""
    submission_id = submit_m01(app, signed_in(app, JO), f"{code} evidence", code=code)
    start_marking(signed_in(app, TOM), submission_id)
    assessment_id = assessment_id_of(app, submission_id)
    devices = []
    for _ in range(2):
        browser = Browser(base)
        browser.sign_in(TOM)
        page = browser.get(f"/assessors/assessments/{assessment_id}")
        assert page.status_code == 200
        devices.append((browser, page))
    return assessment_id, devices


def _press(browser, page, button: str, changes: dict):
    form = form_with(page, button)
    return lambda: browser.post(form.action, form.data(button, changes))


def _audit_count(app, action: str, assessment_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.object_id == str(assessment_id))
        )


def _chain_verifies(app) -> None:
    with app.app_context():
        checked, problems = verify_chain()
    assert checked > 0
    assert problems == []


def test_two_completions_at_once_one_wins_and_one_gets_409(live):
    app, base = live
    assessment_id, [(a, page_a), (b, page_b)] = _opened(app, base, "M01")
    refs = criteria_on(page_a.text)
    statuses = _at_once(
        _press(a, page_a, "Complete marking", judgement(refs=refs, feedback="From device A.")),
        _press(b, page_b, "Complete marking", judgement(refs=refs, feedback="From device B.")),
    )
    assert sorted(statuses) == [302, 409]
    row = assessment_row(app, assessment_id)
    assert row["status"] == "ready_for_release"
    assert row["feedback_md"] == ("From device A." if statuses[0] == 302 else "From device B.")
    assert _audit_count(app, "marking_completed", assessment_id) == 1
    _chain_verifies(app)


def test_a_draft_and_a_completion_at_once_never_lose_an_update(live):
    app, base = live
    assessment_id, [(a, page_a), (b, page_b)] = _opened(app, base, "M02")
    refs = criteria_on(page_a.text)
    statuses = _at_once(
        _press(a, page_a, "Save draft", {"feedback_md": "A draft from device A."}),
        _press(b, page_b, "Complete marking", judgement(refs=refs, feedback="Completed on device B.")),
    )
    assert sorted(statuses) == [302, 409]
    row = assessment_row(app, assessment_id)
    if statuses[1] == 302:
        assert (row["status"], row["feedback_md"]) == ("ready_for_release", "Completed on device B.")
    else:
        assert (row["status"], row["feedback_md"]) == ("in_marking", "A draft from device A.")
    _chain_verifies(app)


def test_the_assessor_releasing_while_the_iqa_reopens_gives_one_winner(live):
    app, base = live
    assessment_id, [(tom, page), _] = _opened(app, base, "M03")
    assert _press(tom, page, "Complete marking", judgement(refs=criteria_on(page.text)))().status_code == 302
    assert assessment_row(app, assessment_id)["status"] == "ready_for_release"
    release_page = tom.get(f"/assessors/assessments/{assessment_id}")
    iqa = Browser(base)
    iqa.sign_in(SAM)
    reopen_page = iqa.get(f"/assessors/assessments/{assessment_id}")
    statuses = _at_once(
        _press(tom, release_page, "Release to the candidate", {}),
        _press(iqa, reopen_page, "Reopen for the assessor", {"reason": "Look at M03.1.1 again."}),
    )
    assert sorted(statuses) == [302, 409]
    expected = "released" if statuses[0] == 302 else "in_marking"
    assert assessment_row(app, assessment_id)["status"] == expected
    _chain_verifies(app)
