"""Reading for the credentials: the certificate someone may download, and the revocation list's slots."""

from __future__ import annotations

from datetime import datetime

from flask import abort
from sqlalchemy import func, select

from core.extensions import db
from qualification.certificates.models import Certificate, CertificateStatus
from qualification.cohorts.queries import cohort_roles
from qualification.credentials.permissions import can_download_credential


def downloadable_or_404(certificate_id: int, user) -> Certificate:
    """A certificate whose credential this person may download; 404 for anyone else (they must not learn
    that someone else's award exists) and for a revoked certificate (it has no credential)."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    roles = cohort_roles(certificate.cohort_id, certificate.candidate_id)
    if not can_download_credential(user, certificate, roles):
        abort(404)
    return certificate


def revoked_slots() -> list[int]:
    """The status list slots of revoked certificates (their bits are 1)."""
    return list(
        db.session.scalars(
            select(Certificate.status_index).where(Certificate.status == CertificateStatus.REVOKED)
        )
    )


def status_list_changed_at() -> datetime | None:
    """When the list last changed: the latest revocation, else the first certificate (its all-zero start)."""
    revoked, first = db.session.execute(
        select(func.max(Certificate.revoked_at), func.min(Certificate.created_at))
    ).one()
    return revoked or first
