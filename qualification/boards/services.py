"""Holding an exam board (every decision, and the certificate each ratified result issues, in one
transaction) and revoking a certificate; the candidates are told.

Each change writes its audit rows in the caller's transaction and flushes; the view commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.audit.services import record
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.notifications.services import notify
from qualification.boards.models import BoardDecision, BoardOutcome, ExamBoard
from qualification.boards.permissions import can_hold_board
from qualification.boards.queries import Candidate, board_list, boards_since
from qualification.boards.rules import NOTES, REASON, Standing, day, held_on_problem
from qualification.certificates.models import Certificate, CertificateKind
from qualification.certificates.services import issue, revoke
from qualification.cohorts.models import Cohort
from qualification.cohorts.queries import cohort_about
from qualification.results.queries.transcript import Transcript

LEADERS_ONLY = "Only the course leader holds the exam board."
TRANSCRIPT = "qualification.results.show_transcript"


@dataclass(frozen=True)
class Proposed:
    """The leader's choice for one candidate on the board's form."""

    candidate_id: int
    outcome: str  # BoardOutcome, as sent
    reason: str = ""


@dataclass(frozen=True)
class Held:
    """A board recorded; `repeated` when this was the same board sent again (a double click): nothing new."""

    board: ExamBoard
    certificates: list[Certificate] = field(default_factory=list)
    repeated: bool = False


def _text(value: str | None) -> str:
    # Browsers send CRLF line ends; blank edges carry no meaning.
    return (value or "").replace("\r\n", "\n").strip()


def hold_board(
    actor,
    cohort: Cohort,
    *,
    held_on: date | None,
    notes: str | None,
    proposed: Sequence[Proposed],
    seen_board: int,
    today: date,
) -> Held:
    """Record the exam board: a decision on each candidate the page showed, a certificate for each one
    ratified (the transcript frozen as the board saw it), every one audited and told.

    Who is ready is asked again here, not taken from the page: a result withdrawn since it was opened stops
    the whole board, with nothing written. `seen_board` is the cohort's last board when the page was opened;
    a board recorded since is this one sent twice (answered with it) or someone else's (a conflict)."""
    require(can_hold_board(actor, cohort), LEADERS_ONLY)
    # One board at a time per cohort (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers).
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())
    proposed = list({p.candidate_id: p for p in proposed}.values())
    since = boards_since(cohort.id, seen_board)
    if since:
        return Held(_the_same_board(since, actor, held_on, proposed), repeated=True)
    candidates = board_list(cohort).by_id()
    notes = _text(notes)
    _check(cohort, candidates, held_on=held_on, notes=notes, proposed=proposed, today=today)
    _still_ready(candidates, proposed)
    try:
        with db.session.begin_nested():
            return _record(actor, cohort, candidates, held_on=held_on, notes=notes, proposed=proposed)
    except IntegrityError as exc:  # a valid certificate issued by a board racing this one
        raise InvalidTransition(
            "A certificate for one of these candidates was issued while this board was being recorded. "
            "Nothing was written: open the exam board page again."
        ) from exc


def _the_same_board(since: list[ExamBoard], actor, held_on, proposed: list[Proposed]) -> ExamBoard:
    """The board this form already recorded, or a conflict with a board someone else recorded."""
    board = since[-1]
    sent = {(p.candidate_id, p.outcome) for p in proposed}
    recorded = {(d.candidate_id, d.outcome) for d in board.decisions}
    if len(since) == 1 and board.held_by_id == actor.id and board.held_on == held_on and sent == recorded:
        return board
    who = board.held_by.name if board.held_by else "someone else"
    raise InvalidTransition(
        f"Another exam board of this cohort was recorded since you opened this page ({day(board.held_on)}, "
        f"by {who}). Nothing was written: open the exam board page again to see who is still to be decided."
    )


def _check(cohort, candidates: dict[int, Candidate], *, held_on, notes, proposed, today) -> None:
    errors: dict[str, str] = {}
    if problem := held_on_problem(held_on, today=today, starts_on=cohort.start_date):
        errors["held_on"] = problem
    if problem := NOTES(notes):
        errors["notes"] = problem
    if not proposed:
        errors[""] = "No candidate is ready for this board, so there is nothing to record."
    for p in proposed:
        name = candidates[p.candidate_id].name if p.candidate_id in candidates else "this candidate"
        if p.outcome not in (BoardOutcome.RATIFIED, BoardOutcome.DEFERRED):
            errors[f"outcome-{p.candidate_id}"] = f"Choose Ratify or Defer for {name}."
        elif p.outcome == BoardOutcome.DEFERRED and (problem := REASON(_text(p.reason))):
            errors[f"reason-{p.candidate_id}"] = (
                f"Give the reason for deferring {name}." if not _text(p.reason) else f"{name}: {problem}"
            )
    if errors:
        raise ValidationFailed(errors)


def _still_ready(candidates: dict[int, Candidate], proposed: Sequence[Proposed]) -> None:
    """Every candidate on the form must still be ready now, or nothing is written."""
    problems = []
    for p in proposed:
        candidate = candidates.get(p.candidate_id)
        if candidate is None:
            problems.append("A candidate on the page is no longer studying in this cohort.")
        elif candidate.place.standing == Standing.RATIFIED:
            problems.append(
                f"{candidate.name} already holds certificate {candidate.place.certificate.number}."
            )
        elif not candidate.place.ready:
            problems.append(_no_longer(candidate))
    if problems:
        raise InvalidTransition(
            "Nothing was written: "
            + " ".join(problems)
            + " Open the exam board page again to see who is ready now."
        )


def _no_longer(candidate: Candidate) -> str:
    t = candidate.transcript
    if t.award is not None:
        return f"{candidate.name} no longer meets the award: {t.award.verdict.explanation}"
    return f"{candidate.name} no longer has a released result for {t.code}."


def _record(actor, cohort, candidates, *, held_on, notes, proposed) -> Held:
    board = ExamBoard(cohort_id=cohort.id, held_on=held_on, notes=notes, held_by_id=actor.id)
    db.session.add(board)
    db.session.flush()
    ratified = [p for p in proposed if p.outcome == BoardOutcome.RATIFIED]
    record(
        "exam_board_held",
        actor=actor,
        obj=board,
        details={
            "cohort_id": cohort.id,
            "held_on": held_on.isoformat(),
            "ratified": len(ratified),
            "deferred": len(proposed) - len(ratified),
        },
    )
    about = cohort_about(cohort.id)
    issued = []
    for p in proposed:
        candidate = candidates[p.candidate_id]
        decision = _decide(actor, board, candidate, p)
        if decision.outcome == BoardOutcome.RATIFIED:
            issued.append(_issue(actor, cohort, board, decision, candidate.transcript, about))
        else:
            _tell_deferred(board, decision, candidate.transcript, about)
    return Held(board, issued)


def _decide(actor, board: ExamBoard, candidate: Candidate, p: Proposed) -> BoardDecision:
    outcome = BoardOutcome(p.outcome)
    reason = _text(p.reason) if outcome == BoardOutcome.DEFERRED else ""
    decision = BoardDecision(
        board_id=board.id,
        candidate_id=candidate.id,
        code=candidate.transcript.code,
        outcome=outcome,
        reason=reason,
        decided_by_id=actor.id,
    )
    db.session.add(decision)
    db.session.flush()
    record(
        "board_ratified" if outcome == BoardOutcome.RATIFIED else "board_deferred",
        actor=actor,
        obj=decision,
        details={
            "board_id": board.id,
            "candidate_id": candidate.id,
            "code": decision.code,
            "reason": reason,
            "credits": candidate.transcript.credits,
        },
    )
    return decision


def snapshot_of(t: Transcript) -> dict[str, Any]:
    """The transcript as the board ratified it, frozen on the certificate (a CPD certificate: its module)."""
    lines = [t.cpd_line] if t.cohort.module_code else t.lines
    return {
        "modules": [
            {
                "code": line.code,
                "title": line.title,
                "level": line.level,
                "credits": line.credits,
                "how": line.how,
                "achieved_on": line.achieved_on.isoformat(),
                "apl_criteria": list(line.apl_criteria),
            }
            for line in lines
            if line is not None
        ],
        "apl_credits": t.award.verdict.apl_credits if t.award is not None else 0,
        "included_awards": [
            {"code": inner.award.code, "title": inner.award.title, "credits": inner.award.credits}
            for inner in t.included
            if inner.verdict.ok
        ],
    }


def _issue(actor, cohort, board, decision, t: Transcript, about: str) -> Certificate:
    if t.award is not None:
        kind, unit = CertificateKind.AWARD, t.award.award
        what = "award"
    else:
        kind, unit = CertificateKind.CPD, t.cpd_line
        what = f"{decision.code} module"
    certificate = issue(
        decision,
        cohort=cohort,
        kind=kind,
        title=unit.title,
        qualification_title=t.qualification_title,
        level=unit.level,
        credits=unit.credits,
        issued_on=board.held_on,
        snapshot=snapshot_of(t),
        actor=actor,
    )
    notify(
        decision.candidate_id,
        kind="award_ratified",
        title=f"Your {what} has been ratified: certificate {certificate.number}",
        body=(
            f"The exam board of {day(board.held_on)} ratified {unit.title}. Your certificate, "
            f"{certificate.number}, is on your transcript."
        ),
        about=about,
        link_endpoint=TRANSCRIPT,
    )
    return certificate


def _tell_deferred(board: ExamBoard, decision: BoardDecision, t: Transcript, about: str) -> None:
    what = "award" if t.cohort.award_code else f"{decision.code} module"
    notify(
        decision.candidate_id,
        kind="award_deferred",
        title=f"Your {what} was deferred by the exam board: {decision.reason}",
        body=(
            f"The exam board of {day(board.held_on)} deferred your {what}: {decision.reason}\n\n"
            "Your course leader will bring it to a later board."
        ),
        about=about,
        link_endpoint=TRANSCRIPT,
    )


def revoke_certificate(actor, certificate: Certificate, *, reason: str | None) -> Certificate:
    """Revoke a valid certificate with the reason (audited by the certificates' service); the candidate is
    told. Their results stay: while they still meet the award they come to a later board again."""
    if not certificate.is_valid:
        raise InvalidTransition(f"Certificate {certificate.number} is already revoked.")
    revoke(certificate, actor=actor, reason=_text(reason))
    notify(
        certificate.candidate_id,
        kind="certificate_revoked",
        title=f"Your certificate {certificate.number} has been revoked",
        body=(
            f"Your certificate {certificate.number} ({certificate.title}) was revoked: "
            f"{certificate.revoked_reason}\n\nAsk your course leader if you have questions."
        ),
        about=cohort_about(certificate.cohort_id),
        link_endpoint=TRANSCRIPT,
    )
    return certificate
