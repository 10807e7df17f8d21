"""Imports every mapped class so metadata (and Alembic's autogenerate) sees the whole schema."""

from core.accounts.models import Invitation, LoginAttempt, LoginSession, PasswordReset, User, UserRole
from core.apitokens.models import ApiToken
from core.audit.models import AuditEvent
from core.drafts.models import FormDraft
from core.mail.models import OutboxMessage
from core.mfa.models import Passkey, RecoveryCode, TotpSecret
from core.notifications.models import Notification, NotificationPreference
from core.sso.models import ExternalIdentity

__all__ = [
    "ApiToken",
    "AuditEvent",
    "ExternalIdentity",
    "FormDraft",
    "Invitation",
    "LoginAttempt",
    "LoginSession",
    "Notification",
    "NotificationPreference",
    "OutboxMessage",
    "Passkey",
    "PasswordReset",
    "RecoveryCode",
    "TotpSecret",
    "User",
    "UserRole",
]
