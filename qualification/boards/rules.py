"""The exam board's rules (pure: no Flask, no database): where a candidate stands with the board, the date a
board may be held on, and the texts a leader types.

A candidate comes to the board when what their cohort studies is met (the award's rules on released results,
APL within its cap; or the CPD module achieved) and they hold no valid certificate for it. One deferred
comes again, with the earlier reason shown; one whose certificate was revoked comes again too while their
results still meet the award (the board decides afresh, and may defer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from core.db.enums import LabelledEnum
from core.validation import Text
from qualification.boards.models import BoardOutcome

NOTES_MAX, REASON_MAX = 5000, 2000
NOTES = Text(NOTES_MAX, f"Keep the minutes or notes under {NOTES_MAX} characters.")
REASON = Text(
    REASON_MAX,
    f"Keep the reason under {REASON_MAX} characters.",
    "Give the reason for deferring this candidate.",
)
# As qualification.certificates.services.revoke says it.
REVOKING = Text(
    REASON_MAX,
    f"Keep the reason under {REASON_MAX} characters.",
    "Give the reason for revoking this certificate.",
)


class Standing(LabelledEnum):
    READY = "ready", "Ready for the exam board"
    DEFERRED = "deferred", "Deferred by the exam board"
    RATIFIED = "ratified", "Ratified"
    NOT_MET = "not met", "Not met yet"


class _Certificate(Protocol):
    code: str
    is_valid: bool


class _Decision(Protocol):
    code: str
    outcome: str


@dataclass(frozen=True)
class Place:
    """Where one candidate stands: `certificate` the valid one when ratified; `deferral` the latest decision
    when it deferred them; `revoked` the latest revoked certificate, if any."""

    standing: Standing
    certificate: _Certificate | None = None
    deferral: _Decision | None = None
    revoked: _Certificate | None = None

    @property
    def ready(self) -> bool:
        """Comes to the next board: met, and not ratified (a deferral or a revocation before, or neither)."""
        return self.standing in (Standing.READY, Standing.DEFERRED)


def standing(
    met: bool, code: str, certificates: Sequence[_Certificate], decisions: Sequence[_Decision]
) -> Place:
    """Where a candidate stands, from whether their award (or CPD module) is met, their certificates in the
    cohort and the board's decisions on them there, each newest first."""
    mine = [c for c in certificates if c.code == code]
    valid = next((c for c in mine if c.is_valid), None)
    if valid is not None:
        return Place(Standing.RATIFIED, certificate=valid)
    latest = next((d for d in decisions if d.code == code), None)
    deferral = latest if latest is not None and latest.outcome == BoardOutcome.DEFERRED else None
    revoked = next((c for c in mine if not c.is_valid), None)
    if not met:
        return Place(Standing.NOT_MET, deferral=deferral, revoked=revoked)
    return Place(Standing.DEFERRED if deferral else Standing.READY, deferral=deferral, revoked=revoked)


def held_on_problem(held_on: date | None, *, today: date, starts_on: date) -> str | None:
    """A board's date: given, not in the future (a board records what was decided), not before the cohort
    started."""
    if held_on is None:
        return "Enter the date the exam board met."
    if held_on > today:
        return "The board's date cannot be in the future: record the board once it has met."
    if held_on < starts_on:
        return f"The board's date cannot be before the cohort started ({starts_on.strftime('%-d %B %Y')})."
    return None


def day(value: date) -> str:
    """A date as people write it: '1 July 2027'."""
    return value.strftime("%-d %B %Y")
