"""Privacy's use cases: the subject-access archive (archive.py); retention and erasure (retention.py)."""

from core.privacy.services.archive import can_export, subject_access_archive
from core.privacy.services.retention import RetentionResult, apply_retention, erase, retention_due

__all__ = [
    "RetentionResult",
    "apply_retention",
    "can_export",
    "erase",
    "retention_due",
    "subject_access_archive",
]
