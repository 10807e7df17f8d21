"""Error pages say what happened in plain words, leak nothing, and leave nothing half-written."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError

from core.app import create_app
from core.errors import InvalidTransition, PermissionDenied
from core.extensions import db
from core.web.access import PUBLIC, rule
from tests.conftest import TEST_CONFIG
from tests.support.html import csrf_from, login

LEAKS = ("Traceback", 'File "', "sqlalchemy", "Exception", "werkzeug", "/work/", "SELECT")


def _app_with_failing_routes(database_url, tmp_path, **config):
    app = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "WAYMARK_DATA_DIR": str(tmp_path), **config}
    )

    @rule(PUBLIC)
    def boom():
        raise RuntimeError("secret internals: password=hunter2 at /work/main/core/thing.py")

    @rule(PUBLIC)
    def conflict():
        raise InvalidTransition("This decision was already released.")

    @rule(PUBLIC)
    def denied():
        raise PermissionDenied("Only the allocated assessor can judge this.")

    @rule(PUBLIC)
    def locked():
        raise OperationalError("UPDATE x", {}, Exception("database is locked"))

    for name, view in (("boom", boom), ("conflict", conflict), ("denied", denied), ("locked", locked)):
        app.add_url_rule(f"/_test/{name}", name, view)
    return app


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/_test/boom", 500, "Something went wrong on our side"),
        ("/_test/conflict", 409, "This decision was already released."),
        ("/_test/denied", 403, "Only the allocated assessor can judge this."),
        ("/_test/locked", 503, "Nothing was saved"),
        ("/no/such/page", 404, "Page not found"),
    ],
)
def test_errors_show_a_clear_page_that_leaks_nothing(database_url, tmp_path, path, status, message):
    client = _app_with_failing_routes(database_url, tmp_path).test_client()
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in page
    assert "Reference:" in page
    assert response.headers["X-Request-ID"] in page
    for leak in (*LEAKS, "hunter2"):
        assert leak not in page
    assert "Content-Security-Policy" in response.headers


def test_busy_database_answers_503_with_retry_after(database_url, tmp_path):
    response = _app_with_failing_routes(database_url, tmp_path).test_client().get("/_test/locked")
    assert response.headers["Retry-After"] == "5"


def test_wrong_method_gets_405(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "That action is not allowed here" in response.get_data(as_text=True)


def test_oversized_request_gets_413_and_changes_nothing(app, client, candidate):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "email": candidate.email, "password": "x" * 20_000}
    )
    assert response.status_code == 413
    assert "That was too large" in response.get_data(as_text=True)
    assert "Hello" not in client.get("/").get_data(as_text=True)


def test_writes_wait_for_a_brief_lock_and_get_503_for_a_long_one(database_url, tmp_path, candidate):
    """F3 on SQLite: a 2 s lock is waited out; a lock longer than the busy timeout gets 503, not 500."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite locking; PostgreSQL uses row locks and version columns")
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WAYMARK_DATA_DIR": str(tmp_path),
            "WAYMARK_SQLITE_BUSY_MS": 1000,
        }
    )
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    blocker = create_engine(database_url, connect_args={"isolation_level": None})

    def hold_lock(seconds: float, ready: threading.Event):
        with blocker.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            ready.set()
            threading.Event().wait(seconds)
            conn.exec_driver_sql("ROLLBACK")

    def attempt():
        return client.post(
            "/login", data={"csrf_token": token, "email": "x@y.example", "password": "wrong one!!"}
        )

    from core.accounts.models import LoginAttempt

    ready = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(0.5, ready))
    holder.start()
    ready.wait()
    assert attempt().status_code == 200  # waited for the 0.5 s lock, then went ahead
    holder.join()

    ready = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(3, ready))
    holder.start()
    ready.wait()
    response = attempt()
    holder.join()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginAttempt.id))) == 1  # only the first attempt
        db.engine.dispose()
    blocker.dispose()


def test_signed_in_pages_cannot_be_framed_or_cached(client, candidate):
    login(client, candidate.email)
    response = client.get("/account")
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
