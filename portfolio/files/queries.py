"""TODO docstring."""

from __future__ import annotations

from flask import current_app, url_for


def download_url(sha256: str | None, version_id: int | None = None) -> str | None:
    """The link to a stored file, when the files blueprint is there to serve it."""
    if (
        not sha256
        or version_id is None
        or "portfolio.files.download_version" not in current_app.view_functions
    ):
        return None
    return url_for("portfolio.files.download_version", sha256=sha256, version_id=version_id)
