"""Who may have a certificate's digital credential. Pure predicates."""

from __future__ import annotations

from qualification.cohorts.models import CohortRoles
from qualification.permissions import can_view_transcript


def has_credential(certificate) -> bool:
    """A certificate carries a credential while it is valid: a revoked one's slot is set in the status list,
    and no new copy of it is handed out."""
    return certificate.is_valid


def can_download_credential(user, certificate, roles: CohortRoles) -> bool:
    """The candidate, and the staff who may read their transcript, while the certificate is valid."""
    return has_credential(certificate) and can_view_transcript(user, roles)
