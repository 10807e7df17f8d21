"""The audit trail: a hash chain `flask audit verify` checks, append-only in the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.audit.models import AuditEvent
from core.audit.services import anchors_file, compute_hash, details_of
from core.extensions import db
from tests.support.html import form_post, login


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


# A chain cut short at its end (issue 11, finding 7) --------------------------------------------------------


def test_a_chain_cut_short_after_its_checkpoint_is_reported(runner, app, history):
    taken = runner.invoke(args=["audit", "checkpoint"])
    assert taken.exit_code == 0, taken.output
    assert f"Checkpoint: {len(history)} rows" in taken.output
    # Deleting the newest rows leaves a chain that still links from row 1 to its (new) last row.
    _tamper(app, "DELETE FROM audit_events WHERE seq > 2")

    result = _verify(runner)

    assert result.exit_code == 1, result.output
    assert "row 2: the chain ends at row 2, shorter than its checkpoint of" in result.output
    assert f"({len(history)} rows, in the checkpoint table): rows were removed from its end" in result.output
    assert "Audit chain BROKEN" in result.output


def test_the_anchor_file_outside_the_database_still_tells_when_the_checkpoints_are_deleted_too(
    runner, app, history
):
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    _tamper(app, "DELETE FROM audit_events WHERE seq > 4")
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_checkpoints"))
        db.session.commit()
        anchors = anchors_file()

    result = _verify(runner)

    assert result.exit_code == 1, result.output
    assert f"({len(history)} rows, in the {anchors}): rows were removed from its end" in result.output


def test_a_replaced_head_differs_from_the_checkpoint(runner, app, history):
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    last = len(history)
    # Rewritten from the last row on with valid hashes, the chain links; the checkpoint's head does not match.
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == last))
        event.details_json = '{"forged": true}'
        new_hash = compute_hash(event)
        db.session.rollback()
    assert new_hash.isalnum()  # a hex digest, safe to write into the statement
    forged = "UPDATE audit_events SET details_json = '{\"forged\": true}', row_hash = '%s' WHERE seq = %d"
    _tamper(app, forged % (new_hash, last))

    result = _verify(runner)

    assert result.exit_code == 1
    assert f"row {last}: differs from the checkpoint of" in result.output


def test_checkpoints_agree_with_an_intact_chain_that_has_grown_since(runner, app, admin, history):
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    login(app.test_client(), admin.email)  # one more row after the checkpoint

    result = _verify(runner)

    assert result.exit_code == 0, result.output
    assert f"Audit chain intact: {len(history) + 1} rows verified." in result.output


def test_the_admins_audit_page_filters_by_action_in_words(client, history):
    page = client.get("/admin/audit/")
    html = page.get_data(as_text=True)
    assert '<option value="invitation_sent">Invitation sent</option>' in html

    only = client.get("/admin/audit/?action=user_invited").get_data(as_text=True).split("<table", 1)[1]
    assert "User invited" in only
    assert "Login" not in only
