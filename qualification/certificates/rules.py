"""Certificate numbers (pure): random, grouped for reading aloud, forgiving of how people type them.

80 random bits in Crockford's base 32 (no I, L, O or U, so nothing reads as another character): a stranger
cannot find certificates by guessing, and someone copying one from paper gets a clear "not found" rather
than somebody else's award.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "WM"
GROUPS, GROUP_SIZE = 4, 4
_TYPED_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SHAPE = re.compile(rf"^{PREFIX}[{ALPHABET}]{{{GROUPS * GROUP_SIZE}}}$")


def new_number(randbelow=secrets.randbelow) -> str:
    """A fresh number such as WM-7Q4M-9XJ2-K3PD-Z8RT."""
    chars = "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(GROUPS * GROUP_SIZE))
    groups = [chars[i : i + GROUP_SIZE] for i in range(0, len(chars), GROUP_SIZE)]
    return "-".join([PREFIX, *groups])


def normalise_number(typed: str) -> str | None:
    """The number as stored, from what someone typed (any case, spaces or dashes, O for 0); None when it
    cannot be a certificate number at all."""
    compact = re.sub(r"[\s\-\u2013]+", "", typed or "").upper().translate(_TYPED_AS)
    if not _SHAPE.match(compact):
        return None
    body = compact[len(PREFIX) :]
    return "-".join([PREFIX, *(body[i : i + GROUP_SIZE] for i in range(0, len(body), GROUP_SIZE))])
