"""Issuing and revoking certificates, the candidate's choices about how theirs is shown, and the counted
look-ups of the public check.

Every change to a certificate is audited in the caller's transaction (a look-up is counted, not audited);
nothing here commits.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from core.accounts.services.sessions import check_address_throttle, check_throttle, note_attempt
from core.audit.services import record
from core.db.timeutil import utcnow
from core.errors import ValidationFailed, require
from core.extensions import db
from qualification.boards.models import BoardDecision
from qualification.certificates.models import Certificate, CertificateKind, CertificateStatus
from qualification.certificates.queries import certificate_by_number
from qualification.certificates.rules import names_match, new_number, normalise_number
from qualification.cohorts.models import Cohort
from qualification.permissions import can_manage_cohort

# The published revocation list has this many entries (the Bitstring Status List's minimum, 16 KiB): each
# certificate takes a random unused one, so its place in the list says nothing about when it was issued.
STATUS_LIST_SIZE = 131_072
NAME_MAX = 200
REASON_MAX = 2000


def _unused(column, make) -> Any:
    """A fresh value for a unique column (a repeat is vanishingly rare; the constraint is the backstop)."""
    while True:
        value = make()
        if db.session.scalar(select(Certificate.id).where(column == value)) is None:
            return value


def issue(
    decision: BoardDecision,
    *,
    cohort: Cohort,
    kind: CertificateKind,
    title: str,
    qualification_title: str,
    level: int,
    credits: int,
    issued_on: date,
    snapshot: dict[str, Any],
    actor,
) -> Certificate:
    """The certificate a ratifying decision issues, numbered and frozen as the board saw it."""
    candidate = decision.candidate
    certificate = Certificate(
        number=_unused(Certificate.number, new_number),
        status_index=_unused(Certificate.status_index, lambda: secrets.randbelow(STATUS_LIST_SIZE)),
        decision_id=decision.id,
        candidate_id=candidate.id,
        cohort_id=cohort.id,
        kind=str(kind),
        code=decision.code,
        title=title,
        qualification_title=qualification_title,
        level=level,
        credits=credits,
        issued_on=issued_on,
        name_on_certificate=candidate.name,
        snapshot=snapshot,
        status=CertificateStatus.VALID,
    )
    db.session.add(certificate)
    db.session.flush()
    record(
        "certificate.issued",
        actor=actor,
        obj=certificate,
        details={"number": certificate.number, "code": certificate.code, "candidate": candidate.id},
    )
    return certificate


def revoke(certificate: Certificate, *, actor, reason: str) -> Certificate:
    """Revoke a certificate (an appeal upheld, malpractice): shown as revoked wherever it is checked."""
    require(can_manage_cohort(actor, certificate.cohort), "Only the course leader can revoke a certificate.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "Give the reason for revoking this certificate."})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": f"Keep the reason under {REASON_MAX} characters."})
    certificate.move_to(CertificateStatus.REVOKED, actor)
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.id
    db.session.flush()
    record(
        "certificate.revoked",
        actor=actor,
        obj=certificate,
        details={"number": certificate.number, "reason": reason},
    )
    return certificate


def choose_display(
    certificate: Certificate, *, actor, name: str, show_name: bool, show_modules: bool
) -> None:
    """The candidate's choice of the name printed on their certificate and what the public page shows."""
    require(
        actor.id == certificate.candidate_id, "Only the candidate can change how their certificate reads."
    )
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed({"name": "Enter the name to print on your certificate."})
    if len(name) > NAME_MAX:
        raise ValidationFailed({"name": f"Keep the name under {NAME_MAX} characters."})
    before = {
        "name": certificate.name_on_certificate,
        "show_name": certificate.show_name,
        "show_modules": certificate.show_modules,
    }
    certificate.name_on_certificate = name
    certificate.show_name = bool(show_name)
    certificate.show_modules = bool(show_modules)
    after = {"name": name, "show_name": certificate.show_name, "show_modules": certificate.show_modules}
    if after != before:
        db.session.flush()
        record(
            "certificate.display_changed", actor=actor, obj=certificate, details={"from": before, "to": after}
        )


# The public check: look-ups that could be guesses are counted, per address and per certificate -------------

CHECKS = "verify"  # the LoginAttempt kind


def _allow(ip: str, number: str | None = None) -> None:
    """Raise LoginThrottled when this address, or this certificate's name checks, reached the limit."""
    cfg = current_app.config
    if number is None:
        check_address_throttle(CHECKS, ip, per_address=cfg["WAYMARK_VERIFY_MAX_LOOKUPS"])
    else:
        check_throttle(
            CHECKS,
            number,
            ip,
            per_account=cfg["WAYMARK_VERIFY_MAX_NAME_CHECKS"],
            per_address=cfg["WAYMARK_VERIFY_MAX_LOOKUPS"],
        )


def look_up(typed: str, *, ip: str) -> Certificate | None:
    """The certificate with this number for the public page; a well-formed number that is no certificate's
    counts against the address (found ones do not: an employer may scan a real one as often as they like;
    nor do malformed ones, which never reach the certificates and so cannot find one).

    A throttled address is refused even for a real number, so the refusal itself tells nothing. The count
    is the one row a GET of the public page may write, as a sign-in failure is counted: the QR code on
    paper can only open a GET.
    """
    _allow(ip)
    number = normalise_number(typed)
    if number is None:
        return None
    certificate = certificate_by_number(number)
    if certificate is None:
        note_attempt(CHECKS, "", ip)
    return certificate


def check_name(certificate: Certificate, typed: str, *, ip: str) -> bool:
    """Whether a verifier's typed name is the one on the certificate, without showing it; every check
    counts, against the address and against the certificate."""
    _allow(ip, certificate.number)
    note_attempt(CHECKS, certificate.number, ip)
    return names_match(typed, certificate.name_on_certificate)
