"""Retention and erasure remove an audit row's personal fields (who by email, from where, the details) and the
chain still verifies; the database lets an UPDATE do that and nothing else, and a row forged to look redacted,
or a personal field changed behind the application's back, is caught by `flask audit verify`."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from core.audit.models import AuditEvent
from core.audit.services import REDACTED_DETAILS, redact
from core.extensions import db
from tests.core.audit.test_audit_chain import _tamper, _verify


def _redact(app, seqs):
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.seq.in_(seqs))))
        done = redact(events)
        db.session.commit()
        return done


def test_redacted_rows_lose_their_personal_fields_and_the_chain_still_verifies(runner, app, history):
    assert _redact(app, [3, 4]) == (2, 0)
    with app.app_context():
        rows = {e.seq: e for e in db.session.scalars(select(AuditEvent))}
    for seq in (3, 4):
        assert rows[seq].actor_label is None
        assert rows[seq].ip_address is None
        assert rows[seq].details_json == REDACTED_DETAILS
        assert rows[seq].redacted_at is not None
        assert rows[seq].action == history[seq - 1]  # what happened stays
    assert rows[5].actor_label is not None
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert _redact(app, [3]) == (0, 0)  # twice is once


def test_the_database_refuses_any_other_update(app, history):
    forged = AuditEvent.__table__.update().where(AuditEvent.seq == 3).values(action="x", personal_salt=None)
    with app.app_context(), pytest.raises(DBAPIError):
        db.session.execute(forged)


def test_a_row_forged_to_look_redacted_is_caught(runner, app, history):
    _tamper(
        app,
        """UPDATE audit_events SET personal_salt = NULL, redacted_at = CURRENT_TIMESTAMP,
        details_json = '{"remember": true}' WHERE seq = 3""",
    )
    result = _verify(runner)
    assert result.exit_code == 1
    assert "row 3: marked redacted but still holds personal fields" in result.output


def test_a_changed_personal_field_is_caught(runner, app, history):
    _tamper(app, "UPDATE audit_events SET actor_label = 'someone.else@example.org' WHERE seq = 3")
    result = _verify(runner)
    assert result.exit_code == 1
    assert "row 3: its contents do not match its hash (altered)" in result.output
