"""The `files` blueprint: evidence files served only through a permission check, as attachments."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from core.extensions import db
from core.web.access import SIGNED_IN, rule
from portfolio.evidence.models import EvidenceVersion
from portfolio.files.services import can_download_version, download_response

bp = Blueprint("files", __name__, url_prefix="/files")


@bp.route("/<sha256>/<int:version_id>")
@rule(SIGNED_IN)
def download_version(sha256: str, version_id: int):
    # 404 for every refusal: whether a file or version exists is itself not for everyone to know.
    version = db.session.get(EvidenceVersion, version_id)
    if version is None or version.blob_sha256 != sha256 or not can_download_version(current_user, version):
        abort(404)
    return download_response(sha256, version.file_name or "file")
