"""What the portfolio's capabilities share on the write side: the audit row of the candidate's own move."""

from __future__ import annotations

from core.audit.services import record


def audit_candidate(action: str, actor, obj, **details) -> None:
    """Append the audit row of a move the candidate made on their own item, attempt or claim."""
    record(action, actor=actor, actor_role="candidate", obj=obj, details=details)
