"""Reading for the exam board: who comes to it (in a fixed number of statements, whatever the cohort's size),
the cohort's past boards with their decisions and certificates, and one certificate of the cohort."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from core.extensions import db
from qualification.boards.models import BoardDecision, BoardOutcome, ExamBoard
from qualification.boards.rules import Place, Standing
from qualification.certificates.models import Certificate
from qualification.cohorts.models import LEFT, Cohort, CohortMember, MemberRole
from qualification.results.models import AchievedBy
from qualification.results.queries.transcript import Transcript, build_transcripts


@dataclass(frozen=True)
class Candidate:
    """One candidate of the cohort as the board sees them: their transcript and where they stand."""

    member: CohortMember
    transcript: Transcript

    @property
    def id(self) -> int:
        return self.member.user_id

    @property
    def name(self) -> str:
        return self.member.user.name

    @property
    def place(self) -> Place:
        return self.transcript.standing

    @property
    def apl_credits(self) -> int:
        """Credits by prior learning the award counts (the CPD module's, when taken by APL)."""
        t = self.transcript
        if t.award is not None:
            return t.award.verdict.apl_credits
        line = t.cpd_line
        return line.credits if line is not None and line.how != AchievedBy.ASSESSMENT.label else 0


@dataclass
class BoardList:
    """The cohort's candidates by where they stand, each list by name."""

    ready: list[Candidate] = field(default_factory=list)  # met: new, deferred before, or revoked before
    not_met: list[Candidate] = field(default_factory=list)
    ratified: list[Candidate] = field(default_factory=list)

    def by_id(self) -> dict[int, Candidate]:
        return {c.id: c for c in (*self.ready, *self.not_met, *self.ratified)}


def board_list(cohort: Cohort) -> BoardList:
    """The cohort's candidates (those who have not left it) by where they stand with the board; the cohort
    must come with its members (cohort_or_404 loads them)."""
    members = sorted(
        (m for m in cohort.members if m.role == MemberRole.CANDIDATE and m.status not in LEFT),
        key=lambda m: (m.user.name.casefold(), m.user_id),
    )
    transcripts = build_transcripts(cohort, [m.user_id for m in members])
    found = BoardList()
    for member in members:
        candidate = Candidate(member, transcripts[member.user_id])
        if candidate.place.ready:
            found.ready.append(candidate)
        elif candidate.place.standing == Standing.RATIFIED:
            found.ratified.append(candidate)
        else:
            found.not_met.append(candidate)
    return found


def latest_board_id(cohort_id: int) -> int:
    """The id of the cohort's last recorded board (0 when none): the page carries it, so a board recorded
    after the page was opened (a second click, another leader) is noticed."""
    return db.session.scalar(select(func.max(ExamBoard.id)).where(ExamBoard.cohort_id == cohort_id)) or 0


def boards_since(cohort_id: int, board_id: int) -> list[ExamBoard]:
    """The cohort's boards recorded after the given one, with their decisions."""
    return list(
        db.session.scalars(
            select(ExamBoard)
            .where(ExamBoard.cohort_id == cohort_id, ExamBoard.id > board_id)
            .options(selectinload(ExamBoard.decisions), joinedload(ExamBoard.held_by))
            .order_by(ExamBoard.id)
        )
    )


@dataclass(frozen=True)
class PastBoard:
    board: ExamBoard
    # decision id -> the certificate it issued
    certificates: dict[int, Certificate]

    @property
    def ratified(self) -> list[BoardDecision]:
        return [d for d in self.board.decisions if d.outcome == BoardOutcome.RATIFIED]

    @property
    def deferred(self) -> list[BoardDecision]:
        return [d for d in self.board.decisions if d.outcome == BoardOutcome.DEFERRED]


def past_boards(cohort_id: int) -> list[PastBoard]:
    """The cohort's boards, the latest first, with who held them, each decision and its certificate (three
    statements)."""
    boards = list(
        db.session.scalars(
            select(ExamBoard)
            .where(ExamBoard.cohort_id == cohort_id)
            .options(
                joinedload(ExamBoard.held_by),
                selectinload(ExamBoard.decisions).joinedload(BoardDecision.candidate),
            )
            .order_by(ExamBoard.held_on.desc(), ExamBoard.id.desc())
        )
    )
    issued = {
        c.decision_id: c
        for c in db.session.scalars(select(Certificate).where(Certificate.cohort_id == cohort_id))
    }
    return [
        PastBoard(board, {d.id: issued[d.id] for d in board.decisions if d.id in issued}) for board in boards
    ]


def certificate_in_cohort_or_404(cohort: Cohort, certificate_id: int) -> Certificate:
    """One of the cohort's certificates, with its candidate and decision; another cohort's is as unknown as
    none."""
    certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id, Certificate.cohort_id == cohort.id)
        .options(
            joinedload(Certificate.candidate),
            joinedload(Certificate.decision).joinedload(BoardDecision.board).joinedload(ExamBoard.held_by),
        )
    )
    if certificate is None:
        abort(404)
    return certificate
