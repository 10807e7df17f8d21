"""Reading certificates: by number (the public page, the credential's status), and a candidate's own."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from core.extensions import db
from qualification.certificates.models import Certificate
from qualification.certificates.rules import normalise_number


def certificate_by_number(typed: str) -> Certificate | None:
    """The certificate with this number, however it was typed; None when there is none."""
    number = normalise_number(typed)
    if number is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.number == number))


def certificate_or_404(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    return certificate


def certificates_of(candidate_id: int, cohort_id: int | None = None) -> list[Certificate]:
    """A candidate's certificates, newest first (revoked ones too: they say so)."""
    query = select(Certificate).where(Certificate.candidate_id == candidate_id)
    if cohort_id is not None:
        query = query.where(Certificate.cohort_id == cohort_id)
    return list(db.session.scalars(query.order_by(Certificate.issued_on.desc(), Certificate.id.desc())))
