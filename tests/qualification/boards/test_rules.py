"""The board's pure rules as tables: where a candidate stands, and the dates a board may be held on; and
who may hold one."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from core.accounts.models import Role
from qualification.boards.models import BoardOutcome
from qualification.boards.permissions import can_hold_board, can_revoke_certificate
from qualification.boards.rules import Standing, held_on_problem, standing
from tests.support.people import Viewer

VALID = SimpleNamespace(code="CERT", is_valid=True, number="WM-1")
REVOKED = SimpleNamespace(code="CERT", is_valid=False, number="WM-0")
OTHER_CODE = SimpleNamespace(code="PGC", is_valid=True, number="WM-2")
DEFERRED = SimpleNamespace(code="CERT", outcome=BoardOutcome.DEFERRED)
RATIFIED = SimpleNamespace(code="CERT", outcome=BoardOutcome.RATIFIED)


@pytest.mark.parametrize(
    ("met", "certificates", "decisions", "expected", "ready"),
    [
        (True, [], [], Standing.READY, True),
        (False, [], [], Standing.NOT_MET, False),
        (True, [VALID], [RATIFIED], Standing.RATIFIED, False),
        # Ratified stays ratified even if a result is withdrawn later: only revocation ends a certificate.
        (False, [VALID], [RATIFIED], Standing.RATIFIED, False),
        (True, [], [DEFERRED], Standing.DEFERRED, True),
        (False, [], [DEFERRED], Standing.NOT_MET, False),
        # Revoked, still met: ready again; deferred after the revocation: deferred.
        (True, [REVOKED], [RATIFIED], Standing.READY, True),
        (True, [REVOKED], [DEFERRED, RATIFIED], Standing.DEFERRED, True),
        # Ratified at a later board after a deferral (newest first).
        (True, [VALID], [RATIFIED, DEFERRED], Standing.RATIFIED, False),
        # A certificate for another code (an earlier award of the same person) does not count here.
        (True, [OTHER_CODE], [], Standing.READY, True),
    ],
)
def test_where_a_candidate_stands(met, certificates, decisions, expected, ready):
    place = standing(met, "CERT", certificates, decisions)
    assert place.standing == expected
    assert place.ready is ready


def test_a_deferral_and_a_revocation_are_named():
    place = standing(True, "CERT", [REVOKED], [DEFERRED, RATIFIED])
    assert place.deferral is DEFERRED
    assert place.revoked is REVOKED
    assert standing(True, "CERT", [VALID], []).certificate is VALID


TODAY, STARTS = date(2027, 7, 1), date(2026, 9, 18)


@pytest.mark.parametrize(
    ("held_on", "problem"),
    [
        (None, "Enter the date the exam board met."),
        (date(2027, 7, 2), "The board's date cannot be in the future: record the board once it has met."),
        (date(2026, 9, 17), "The board's date cannot be before the cohort started (18 September 2026)."),
        (TODAY, None),
        (STARTS, None),
    ],
)
def test_the_dates_a_board_may_be_held_on(held_on, problem):
    assert held_on_problem(held_on, today=TODAY, starts_on=STARTS) == problem


@pytest.mark.parametrize(
    ("roles", "may"),
    [
        ((Role.COURSE_LEADER,), True),
        ((Role.ADMIN,), True),
        ((Role.ASSESSOR,), False),
        ((Role.IQA,), False),
        ((Role.CANDIDATE,), False),
        ((Role.EXAMINER,), False),
    ],
)
def test_who_may_hold_a_board_and_revoke(roles, may):
    viewer, cohort = Viewer(7, *roles), SimpleNamespace(id=1, members=[])
    assert can_hold_board(viewer, cohort) is may
    valid = SimpleNamespace(is_valid=True, cohort=cohort)
    revoked = SimpleNamespace(is_valid=False, cohort=cohort)
    assert can_revoke_certificate(viewer, valid) is may
    assert can_revoke_certificate(viewer, revoked) is False
