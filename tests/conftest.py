"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL when DATABASE_URL says so),
an app, a client that acts through the real forms, and small factories."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# Before any app exists: keep generated secrets and files out of the working tree.
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from core.accounts.models import Role
from core.app import create_app
from core.extensions import db
from tests.support.people import make_user

TEST_CONFIG = {
    "TESTING": True,
    "WAYMARK_PASSWORD_METHOD": "scrypt:1024:8:1",  # cheap in tests only
    "WAYMARK_BASE_URL": "http://waymark.test",
    "SERVER_NAME": None,
    # Staff sign in through the form in most tests; tests/core/mfa turns the requirement on (and checks that
    # production's default, with no override, requires it).
    "WAYMARK_MFA_REQUIRED_ROLES": (),
}


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "WAYMARK_DATA_DIR": str(instance / "data")}
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A database migrated once per run: a SQLite file to copy, or the PostgreSQL database itself."""
    instance = tmp_path_factory.mktemp("instance")
    os.environ["WAYMARK_INSTANCE_DIR"] = str(instance)
    pg = _postgres_url()
    if pg:
        _migrate(pg, instance)
        return pg
    template = instance / "template.db"
    _migrate(f"sqlite:///{template}", instance)
    return str(template)


def _truncate_postgres(url: str) -> None:
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            # TRUNCATE does not fire the append-only row triggers on audit_events.
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(migrated_template, tmp_path):
    """A clean, migrated database for one test."""
    if _postgres_url():
        _truncate_postgres(migrated_template)
        return migrated_template
    target = tmp_path / f"waymark-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(migrated_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "WAYMARK_DATA_DIR": str(tmp_path / "data")}
    )
    # No app context is held across requests: each request must get its own `g` and session, as in
    # production. Tests that read rows open `with app.app_context():` themselves.
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# People a test creates (tests/support/people.py has the demo's people and make_user) ----------------------


@pytest.fixture
def candidate(app):
    return make_user(app, "candidate@school.example", name="Casey Candidate", roles=(Role.CANDIDATE,))


@pytest.fixture
def admin(app):
    return make_user(app, "admin@uni.example", name="Ada Admin", roles=(Role.ADMIN,))


@pytest.fixture
def course_leader(app):
    return make_user(app, "leader@uni.example", name="Lee Leader", roles=(Role.COURSE_LEADER,))
