"""Imports every mapped class so metadata (and Alembic's autogenerate) sees the whole schema."""

from core.accounts.models import Invitation, LoginAttempt, LoginSession, PasswordReset, User, UserRole
from core.audit.models import AuditEvent
from core.mail.models import OutboxMessage

__all__ = [
    "AuditEvent",
    "Invitation",
    "LoginAttempt",
    "LoginSession",
    "OutboxMessage",
    "PasswordReset",
    "User",
    "UserRole",
]
