"""Passkey fixtures: the multi-factor clock (tests/core/mfa)."""

from __future__ import annotations

import pytest

from tests.support.mfa import START, Clock


@pytest.fixture
def clock(monkeypatch):
    moment = Clock(START)
    monkeypatch.setattr("core.mfa.services.factors.utcnow", moment)
    return moment
