"""Optimistic locking for rows that two people can edit at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class Versioned:
    """Mixin: a `version` column that SQLAlchemy checks on every UPDATE ("WHERE version = <read>") and
    bumps, so a write based on a stale read fails (409 for the person) instead of silently overwriting."""

    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 (declared_attr passes the class)
        return {"version_id_col": cls.__table__.c.version}
