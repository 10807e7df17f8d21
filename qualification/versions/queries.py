"""Read-side lookups for qualifications."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from core.extensions import db
from qualification.versions.models import Qualification, QualificationVersion, VersionStatus


def find_version(code: str, number: int | None = None) -> QualificationVersion | None:
    """A given version of a qualification; without a number the newest published, else the newest draft."""
    query = (
        select(QualificationVersion)
        .join(Qualification)
        .where(Qualification.code == code)
        .order_by(QualificationVersion.number.desc())
    )
    if number is not None:
        return db.session.scalar(query.where(QualificationVersion.number == number))
    published = db.session.scalar(
        query.where(QualificationVersion.status == VersionStatus.PUBLISHED).limit(1)
    )
    return published or db.session.scalar(query.limit(1))


def version_or_404(code: str, number: int) -> QualificationVersion:
    """A given version of a qualification, or 404."""
    version = find_version(code, number)
    if version is None:
        abort(404)
    return version


def list_qualifications() -> list[Qualification]:
    """Every qualification, by code."""
    return list(db.session.scalars(select(Qualification).order_by(Qualification.code)))
