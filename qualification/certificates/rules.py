"""Certificate numbers and how a certificate reads (pure).

Numbers are random, grouped for reading aloud, forgiving of how people type them.

80 random bits in Crockford's base 32 (no I, L, O or U, so nothing reads as another character): a stranger
cannot find certificates by guessing, and someone copying one from paper gets a clear "not found" rather
than somebody else's award.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date

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


# Printing and checking a certificate ---------------------------------------------------------------------

APL_PRINTED = "Recognised prior learning (APL)"
ASSESSED_PRINTED = "Assessed"
NAME_CHECK_MAX = 200


def how_printed(how: str) -> str:
    """How a module was met, as a transcript prints it: APL always named as such, whichever way the
    snapshot spelled it (the enum's value "apl" or its label "Prior learning (APL)")."""
    words = (how or "").strip()
    if words.casefold() == "apl" or "(apl)" in words.casefold():
        return APL_PRINTED
    if words.casefold() in ("", "assessment", "assessed"):
        return ASSESSED_PRINTED
    return words


def _comparable(name: str) -> str:
    # NFKC folds look-alike forms (full-width letters, ligatures); casefold handles "ß" and the like.
    return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())


def names_match(typed: str, name: str) -> bool:
    """Whether a verifier's typed name is the certificate's, ignoring case and spacing."""
    typed = _comparable(typed)
    return (
        bool(typed)
        and len(typed) <= NAME_CHECK_MAX
        and secrets.compare_digest(typed.encode(), _comparable(name).encode())
    )


@dataclass(frozen=True)
class FrozenLine:
    """One module of a certificate's transcript, as the board ratified it."""

    code: str
    title: str
    level: int | None
    credits: int
    how: str
    achieved_on: date | None
    apl_criteria: tuple[str, ...]


@dataclass(frozen=True)
class FrozenTranscript:
    lines: list[FrozenLine]
    credits: int
    apl_credits: int


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def frozen_transcript(snapshot: dict) -> FrozenTranscript:
    """The transcript a certificate froze (`Certificate.snapshot`), in the order the board listed it."""
    lines = [
        FrozenLine(
            code=str(m.get("code", "")),
            title=str(m.get("title", "")),
            level=m.get("level"),
            credits=int(m.get("credits") or 0),
            how=how_printed(str(m.get("how", ""))),
            achieved_on=_day(m.get("achieved_on")),
            apl_criteria=tuple(m.get("apl_criteria") or ()),
        )
        for m in (snapshot or {}).get("modules", [])
    ]
    by_apl = sum(line.credits for line in lines if line.how == APL_PRINTED)
    # The board's own figure when it recorded one (it is what was ratified); else the lines' sum.
    apl_credits = (snapshot or {}).get("apl_credits")
    return FrozenTranscript(
        lines=lines,
        credits=sum(line.credits for line in lines),
        apl_credits=by_apl if apl_credits is None else int(apl_credits),
    )
