"""A certificate: issued once for a ratified award or CPD module, frozen as it was at the board, revocable.

Its number is random (not a count a stranger could walk) and is the only key the public verification page
and the credential's status take; `snapshot` keeps the transcript as the board ratified it, so a later
change to the qualification or a result never rewrites a certificate already in someone's hands.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db.enums import LabelledEnum
from core.db.statemachine import HasStatus, Transitions, status_check, status_column
from core.db.timeutil import UTCDateTime, utcnow
from core.extensions import db
from qualification.boards.models import BoardDecision
from qualification.cohorts.models import Cohort


class CertificateKind(LabelledEnum):
    AWARD = "award", "Award"
    CPD = "cpd", "Stand-alone module (CPD)"


class CertificateStatus(LabelledEnum):
    VALID = "valid", "Valid"
    REVOKED = "revoked", "Revoked"


# Revocation (an appeal upheld, malpractice) is final for this certificate; a later board issues a new one.
CERTIFICATE_MOVES = Transitions.graph(
    CertificateStatus,
    {CertificateStatus.VALID: (CertificateStatus.REVOKED,)},
    noun="This certificate",
)
_VALID = text("status = 'valid'")


class Certificate(HasStatus, db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        status_check(CertificateStatus),
        # One valid certificate per candidate, cohort and award (or module): a double click issues one.
        Index(
            "uq_certificates_valid",
            "candidate_id",
            "cohort_id",
            "code",
            unique=True,
            sqlite_where=_VALID,
            postgresql_where=_VALID,
        ),
    )
    TRANSITIONS = CERTIFICATE_MOVES

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # Its bit in the published revocation list (Bitstring Status List); never reused.
    status_index: Mapped[int] = mapped_column(Integer, unique=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("board_decisions.id", ondelete="RESTRICT"), unique=True
    )
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    qualification_title: Mapped[str] = mapped_column(String(300))
    level: Mapped[int] = mapped_column(Integer)
    credits: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)  # the board's date
    # The name as the candidate chooses it to appear (set from their account name when issued).
    name_on_certificate: Mapped[str] = mapped_column(String(200))
    # What the public verification page may show beyond valid/revoked, the award and its date: the
    # candidate's choice (off until they turn it on).
    show_name: Mapped[bool] = mapped_column(Boolean, default=False)
    show_modules: Mapped[bool] = mapped_column(Boolean, default=False)
    # The transcript as ratified: {"modules": [{code, title, level, credits, how, achieved_on,
    # apl_criteria}], "apl_credits": int}.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[CertificateStatus] = status_column(CertificateStatus, 10, default=CertificateStatus.VALID)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])
    cohort: Mapped[Cohort] = relationship()
    decision: Mapped[BoardDecision] = relationship()

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID
