"""B2 (IDOR) support, certificates: for each candidate of the two-cohort world, a certificate a board of their
cohort ratified, through the real services. The name on it carries the candidate's marker and is hidden
from the public check (the holder has not chosen to show it), so the sweep proves the public pages keep it.

Called by tests/cross/idor/world.py's build_world inside its app context; sets `certificate_id` and
`certificate_number` on each candidate's Objects.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core.accounts.models import User
from core.extensions import db
from qualification.boards.models import BoardDecision, BoardOutcome, ExamBoard
from qualification.certificates.models import CertificateKind
from qualification.certificates.services import issue
from qualification.cohorts.models import Cohort

if TYPE_CHECKING:
    from tests.cross.idor.world import Objects


def add_certificate_objects(leader: User, *candidates: tuple[Objects, str]) -> None:
    """A ratified award and its certificate for each (objects, mark)."""
    for objects, mark in candidates:
        cohort = db.session.get(Cohort, objects.cohort_id)
        board = ExamBoard(
            cohort_id=cohort.id, held_on=date(2027, 7, 1), notes=f"{mark} board notes", held_by_id=leader.id
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
            title="Professional Certificate in Careers Coordination",
            qualification_title="Careers Coordinator Qualification",
            level=6,
            credits=60,
            issued_on=board.held_on,
            snapshot={
                "modules": [
                    {"code": "M01", "title": f"{mark} module", "level": 6, "credits": 15, "how": "Assessed"}
                ],
                "apl_credits": 0,
            },
            actor=leader,
        )
        objects.certificate_id, objects.certificate_number = certificate.id, certificate.number
