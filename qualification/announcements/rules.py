"""Field rules of announcements and how the "Send to" choice reads (pure: no Flask, no database)."""

from __future__ import annotations

from core.validation import Text
from qualification.announcements.models import BODY_MAX, TITLE_MAX, Audience

TITLE = Text(TITLE_MAX, f"Keep the title to {TITLE_MAX} characters.", "Give the announcement a title.")
BODY = Text(BODY_MAX, f"Keep the announcement to {BODY_MAX:,} characters.", "Write the announcement.")
AUDIENCE_MISSING = "Choose who the announcement is for."


def audience_choice(audience: Audience, module_code: str | None = None) -> str:
    """The value of a "Send to" option: "cohort", or "behind:M01"."""
    return f"{audience.value}:{module_code}" if module_code else audience.value


def parse_audience(choice: str | None) -> tuple[Audience, str | None] | None:
    """The audience and module a "Send to" value names, or None when it names neither."""
    kind, _, module_code = (choice or "").partition(":")
    try:
        audience = Audience(kind)
    except ValueError:
        return None
    if (audience == Audience.BEHIND) != bool(module_code):
        return None
    return audience, module_code or None
