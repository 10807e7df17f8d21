"""The audit tests' shared history: audited actions done through the site."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
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
