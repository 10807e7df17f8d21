"""Withdrawing an attempt and sending a claim, as tables: who x state -> allowed (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.accounts.models import Role
from portfolio.apl.models import AplStatus
from portfolio.permissions import can_send_claim_now, can_withdraw_now
from portfolio.submissions.models import SubmissionStatus
from tests.support.people import Viewer


class Attempt:
    def __init__(self, status, started: bool = False):
        self.candidate_id, self.status = 1, status
        self.marking_started_at = datetime(2026, 11, 2, tzinfo=UTC) if started else None


class Claim:
    def __init__(self, status):
        self.candidate_id, self.status = 1, status


CANDIDATE, OTHER = Viewer(1, Role.CANDIDATE), Viewer(2, Role.CANDIDATE)


@pytest.mark.parametrize("status", list(SubmissionStatus))
@pytest.mark.parametrize("started", [False, True])
@pytest.mark.parametrize("user", [CANDIDATE, OTHER])
def test_withdraw_as_a_table(user, status, started):
    allowed = user is CANDIDATE and status == SubmissionStatus.SUBMITTED and not started
    assert can_withdraw_now(user, Attempt(status, started)) is allowed


@pytest.mark.parametrize("status", list(AplStatus))
@pytest.mark.parametrize("user", [CANDIDATE, OTHER])
def test_send_claim_as_a_table(user, status):
    allowed = user is CANDIDATE and status in (AplStatus.DRAFT, AplStatus.MORE_EVIDENCE)
    assert can_send_claim_now(user, Claim(status)) is allowed
