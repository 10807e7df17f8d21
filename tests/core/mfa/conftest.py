"""Multi-factor fixtures: production's requirement switched on, and a clock the services read."""

from __future__ import annotations

import pytest

from core.mfa.rules import DEFAULT_REQUIRED_ROLES
from tests.support.mfa import START, Clock


@pytest.fixture
def clock(monkeypatch):
    moment = Clock(START)
    monkeypatch.setattr("core.mfa.services.factors.utcnow", moment)
    return moment


@pytest.fixture
def mfa_required(app):
    """Production's rule: the four staff roles must use a second factor (TEST_CONFIG turns it off)."""
    app.config["WAYMARK_MFA_REQUIRED_ROLES"] = DEFAULT_REQUIRED_ROLES
    return app
