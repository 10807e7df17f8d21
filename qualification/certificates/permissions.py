"""Who may download a certificate and its transcript, and who chooses how it reads (pure predicates)."""

from __future__ import annotations

from qualification.certificates.models import Certificate
from qualification.cohorts.models import CohortRoles
from qualification.permissions import can_view_transcript


def can_download(user, certificate: Certificate, roles: CohortRoles) -> bool:
    """The certificate and transcript PDFs: whoever may see the candidate's transcript in that cohort
    (the candidate, their assessor, the cohort's tutors and IQAs, course leaders)."""
    return roles.candidate_id == certificate.candidate_id and can_view_transcript(user, roles)


def can_choose_display(user, certificate: Certificate) -> bool:
    """The name printed and what the public page shows are the candidate's own choice."""
    return user.is_authenticated and user.id == certificate.candidate_id
