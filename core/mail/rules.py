"""What a queued email may hold (pure): its one secret apart from its text, and how both are shown."""

from __future__ import annotations

import re
from datetime import timedelta

# A reset, invitation or witness link carries a token that works on its own. The code writing such an email
# puts SECRET in the link (it is URL-safe, so `absolute_url(..., token=SECRET)` keeps it as it is) and hands
# the token over separately; the outbox keeps the token in its own column, joins it to the text only as the
# message goes out, and forgets it once the message is sent or given up. The stored text, the admin's outbox
# page and backups taken after sending therefore never hold a live link.
SECRET = "SECRET-ADDED-WHEN-SENT"  # noqa: S105 - a stand-in, not a password
REMOVED = "[link removed after sending]"
WITHHELD = "[link only in the email itself]"
# The whole link goes, not just its token: half a link would still look like one to click.
_LINK = re.compile(r"(?:https?://[^\s<>\"']*)?" + re.escape(SECRET))

MAX_ATTEMPTS = 8
# While one sender delivers a message, no other takes it: the claim moves its next try this far ahead, and a
# sender that dies mid-send leaves it to be tried again once the lease is over.
LEASE = timedelta(minutes=15)
# A pass that fails as a whole (the database locked or gone) is tried again after 5 s, 10 s, 20 s ... 5 min.
PASS_BACKOFF_FIRST = 5.0
PASS_BACKOFF_MOST = 300.0


def with_secret(text: str | None, secret: str | None) -> str | None:
    """The text as it is emailed: SECRET replaced by the message's secret (None stays None)."""
    if text is None or secret is None:
        return text
    return text.replace(SECRET, secret)


def shown(text: str | None, *, sent: bool) -> str | None:
    """The text as the outbox page shows it: a secret link never, before sending or after."""
    if text is None:
        return None
    return _LINK.sub(REMOVED if sent else WITHHELD, text)


def message_backoff(attempts: int) -> timedelta:
    """How long a message waits after its `attempts`-th failed delivery: 1, 2, 4 ... minutes."""
    return timedelta(minutes=2 ** (attempts - 1))


def pass_backoff(failures: int) -> float:
    """Seconds the sender waits after `failures` failed passes in a row, doubling up to the cap."""
    return min(PASS_BACKOFF_FIRST * 2 ** (failures - 1), PASS_BACKOFF_MOST)
