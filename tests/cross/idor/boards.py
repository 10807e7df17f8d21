"""B2 (IDOR) support, the exam board: for each candidate of the two-cohort world, a board of their cohort
(its notes carry the candidate's marker) that ratified them, and the certificate it issued, through the
certificates' service (their results need not meet the award: the routes are what is swept).

Called by tests/cross/idor/world.py's build_world inside its app context; sets `certificate_id` on each
candidate's Objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.accounts.models import User
from core.db.timeutil import uk_today
from core.extensions import db
from qualification.boards.models import BoardDecision, BoardOutcome, ExamBoard
from qualification.certificates.models import CertificateKind
from qualification.certificates.services import issue
from qualification.cohorts.models import Cohort

if TYPE_CHECKING:
    from tests.cross.idor.world import Objects


def add_board_objects(leader: User, *candidates: tuple[Objects, str]) -> None:
    """A board of the candidate's cohort ratifying them, and its certificate, for each (objects, mark)."""
    for objects, mark in candidates:
        cohort = db.session.get(Cohort, objects.cohort_id)
        board = ExamBoard(
            cohort_id=cohort.id, held_on=uk_today(), notes=f"{mark} board notes", held_by_id=leader.id
        )
        db.session.add(board)
        db.session.flush()
        decision = BoardDecision(
            board_id=board.id,
            candidate_id=objects.user_id,
            code=cohort.award_code,
            outcome=BoardOutcome.RATIFIED,
            decided_by_id=leader.id,
        )
        db.session.add(decision)
        db.session.flush()
        certificate = issue(
            decision,
            cohort=cohort,
            kind=CertificateKind.AWARD,
            title=f"{mark} award",
            qualification_title=cohort.qualification_version.title,
            level=6,
            credits=60,
            issued_on=board.held_on,
            snapshot={"modules": [], "apl_credits": 0, "included_awards": []},
            actor=leader,
        )
        objects.certificate_id = certificate.id
