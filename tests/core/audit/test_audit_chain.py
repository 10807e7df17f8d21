"""The audit trail: a hash chain `flask audit verify` checks, append-only in the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.audit.models import AuditEvent
from core.audit.services import details_of
from core.extensions import db
from tests.support.html import form_post, login


@pytest.fixture
def history(client, app, admin, candidate):
    """Some audited actions done through the site: two sign-ins and an invitation (rows 1-6)."""
    login(client, admin.email)
    form_post(
        client, "/people/invite", {"name": "Nia New", "email": "nia@school.example", "role": "candidate"}
    )
    login(app.test_client(), candidate.email)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions == ["user_created", "user_created", "login", "user_invited", "invitation_sent", "login"]
    return actions


def _tamper(app, sql: str) -> None:
    """Change the trail behind the application's back, as someone with direct database access could."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        if postgres:
            db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update"))
        else:
            db.session.execute(text("DROP TRIGGER audit_events_no_update"))
            db.session.execute(text("DROP TRIGGER audit_events_no_delete"))
        db.session.execute(text(sql))
        if postgres:
            # The same transaction restores it: the shared test database keeps its trigger.
            db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update"))
        db.session.commit()


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_operator_can_verify_an_intact_chain(runner, history):
    result = _verify(runner)

    assert result.exit_code == 0, result.output
    assert f"Audit chain intact: {len(history)} rows verified." in result.output


def test_operator_can_detect_an_altered_row(runner, app, history):
    _tamper(app, """UPDATE audit_events SET details_json = '{"remember": true}' WHERE seq = 3""")

    result = _verify(runner)

    assert result.exit_code == 1
    assert "row 3: its contents do not match its hash (altered)" in result.output
    assert f"Audit chain BROKEN: 1 problem(s) in {len(history)} rows." in result.output


def test_operator_can_detect_a_deleted_row(runner, app, history):
    _tamper(app, "DELETE FROM audit_events WHERE seq = 3")

    result = _verify(runner)

    assert result.exit_code == 1
    assert "row 4: expected row 3: rows are missing" in result.output
    assert "row 4: does not link to the row before it" in result.output
    assert "Audit chain BROKEN" in result.output


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_events SET details_json = '{}' WHERE seq = 2",
        "UPDATE audit_events SET actor_label = NULL",
        "DELETE FROM audit_events WHERE seq = 5",
        "DELETE FROM audit_events",
    ],
)
def test_nobody_can_update_or_delete_audit_rows(app, history, sql):
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(sql))
        db.session.rollback()
        assert db.session.scalar(select(func.count(AuditEvent.id))) == len(history)


def test_each_audit_row_carries_the_id_of_the_request_that_made_it(client, app, admin):
    signed_in = login(client, admin.email, follow=False)
    invited = form_post(
        client, "/people/invite", {"name": "Nia New", "email": "nia@school.example", "role": "iqa"}
    )

    assert signed_in.headers["X-Request-ID"] != invited.headers["X-Request-ID"]
    with app.app_context():
        ids = dict(db.session.execute(select(AuditEvent.action, AuditEvent.request_id)).all())
    assert ids["login"] == signed_in.headers["X-Request-ID"]
    assert ids["invitation_sent"] == invited.headers["X-Request-ID"]
    assert ids["user_created"] is None  # made by the fixture, outside any request


@pytest.mark.parametrize(
    ("email", "password", "reason"),
    [
        ("nobody@school.example", "Nobody's guess 4821", "unknown account"),
        ("candidate@school.example", "Casey's wrong guess 4821", "wrong password"),
    ],
)
def test_failed_sign_ins_are_audited_without_the_password(client, app, candidate, email, password, reason):
    page = login(client, email, password).get_data(as_text=True)
    assert "The email address or password is not right" in page

    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).one()
        assert details_of(event) == {"email": email, "reason": reason}
        assert event.actor_id == (candidate.id if reason == "wrong password" else None)
        stored = db.session.execute(text("SELECT * FROM audit_events")).all()
    assert all(password not in str(value) for row in stored for value in row)


def test_visitor_sees_the_request_reference_when_a_form_is_refused(client):
    response = client.post("/login", data={"email": "casey@school.example", "password": "no token sent"})

    assert response.status_code == 400
    assert response.headers["X-Request-ID"]
    assert f"Reference: <code>{response.headers['X-Request-ID']}</code>" in response.get_data(as_text=True)
