"""A ratified award for tests of what a certificate leads to (PDFs, the public page, credentials): Jo meets
the demo award through released results, and a board of the demo cohort ratifies it through the services.
The board's own pages are tested as the course leader uses them in tests/qualification/boards."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from qualification.boards.models import BoardDecision, BoardOutcome, ExamBoard
from qualification.boards.services import snapshot_of
from qualification.certificates.models import Certificate, CertificateKind
from qualification.certificates.services import issue, revoke
from qualification.cohorts.models import Cohort
from qualification.results.queries.transcript import build_transcript
from tests.support.people import JO, LEADER, user_id
from tests.support.transcript import achieve, cohort_id

BOARD_DAY = date(2027, 7, 1)


def meet_award(app, email: str = JO) -> None:
    """Released results for M01-M04: the demo award (60 credits, M04 as the option) met on 1 March 2027."""
    achieve(app, email, "M01", date(2026, 11, 2))
    achieve(app, email, "M02", date(2026, 12, 7))
    achieve(app, email, "M04", date(2027, 1, 11))
    achieve(app, email, "M03", date(2027, 3, 1))


def ratify_directly(app, email: str = JO, *, held_on: date = BOARD_DAY, snapshot: dict | None = None) -> str:
    """A board that ratifies this candidate's award (results must already meet it); the certificate number.
    `snapshot`: the frozen transcript (default: the four assessed modules of `meet_award`)."""
    candidate_id, the_cohort = user_id(app, email), cohort_id(app)
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        cohort = db.session.get(Cohort, the_cohort)
        board = ExamBoard(cohort_id=cohort.id, held_on=held_on, held_by_id=leader.id)
        db.session.add(board)
        db.session.flush()
        decision = BoardDecision(
            board_id=board.id,
            candidate_id=candidate_id,
            code=cohort.award_code,
            outcome=BoardOutcome.RATIFIED,
            decided_by_id=leader.id,
        )
        db.session.add(decision)
        db.session.flush()
        snapshot = snapshot or {
            "modules": [
                {"code": c, "title": t, "level": 6, "credits": 15, "how": "Assessed", "achieved_on": d}
                for c, t, d in (
                    ("M01", "Communicating and Working with Others in CEIAG", "2026-11-02"),
                    ("M02", "Planning and Organising CEIAG Provision", "2026-12-07"),
                    ("M04", "Teaching and Learning in Careers Education", "2027-01-11"),
                    ("M03", "Pathways, Progression and Careers Information (14-19)", "2027-03-01"),
                )
            ],
            "apl_credits": 0,
        }
        certificate = issue(
            decision,
            cohort=cohort,
            kind=CertificateKind.AWARD,
            title="Professional Certificate in Careers Coordination",
            qualification_title=cohort.qualification_version.title,
            level=6,
            credits=60,
            issued_on=held_on,
            snapshot=snapshot,
            actor=leader,
        )
        db.session.commit()
        return certificate.number


def certificate_row(app, number: str) -> Certificate:
    with app.app_context():
        row = db.session.scalar(select(Certificate).where(Certificate.number == number))
        db.session.expunge(row)
        return row


def transcript_snapshot(app, email: str = JO) -> dict:
    """The candidate's transcript now, frozen as a board would (qualification.boards.services.snapshot_of)."""
    with app.app_context():
        return snapshot_of(build_transcript(user_id(app, email), db.session.get(Cohort, cohort_id(app))))


def revoke_directly(app, number: str, reason: str = "Appeal upheld: the M03 result was withdrawn.") -> None:
    """The course leader revokes the certificate through the service."""
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
        revoke(certificate, actor=leader, reason=reason)
        db.session.commit()
