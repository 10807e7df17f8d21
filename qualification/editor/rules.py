"""The ref a new learning outcome or criterion gets: the next one in the style the module already uses. Pure.

An imported spec brings its own style ("LO1" with "AC1.1", "1" with "1.1", "U2-LO1" with "U2-LO1-AC1", or
Waymark's own "M01.1" with "M01.1.1"). A statement added in the editor continues that style rather than
starting a second one beside it:

- from its siblings: the number after the same text, one more than any ref of that shape the module has used
  ("AC2.1", "AC2.2" -> "AC2.3"; zero padding is kept: "LO09" -> "LO10");
- the first statement under a new parent follows how other parents name theirs (outcome "LO1" has "AC1.1",
  so a new outcome "LO4" gets "AC4.1"; module M01 has "M01.1", so a new module M15 gets "M15.1");
- with nothing to follow, "<parent>.1" (Waymark's own style).

Refs are never reused: a ref any revision of the module gave out stays taken.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_NUMBERED = re.compile(r"^(.*?)(\d+)(\D*)$")
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class RefStyle:
    """A numbered ref: the text before the number, the number's width (padding), the text after it."""

    before: str
    width: int
    after: str = ""

    def ref(self, number: int) -> str:
        return f"{self.before}{number:0{self.width}d}{self.after}"

    def number_of(self, ref: str) -> int | None:
        found = re.fullmatch(re.escape(self.before) + r"(\d+)" + re.escape(self.after), ref)
        return int(found.group(1)) if found else None


def style_of(ref: str) -> RefStyle | None:
    """The style of one ref: "AC2.3" -> ("AC2.", 1, ""), "LO09" -> ("LO", 2, ""); None without a number."""
    found = _NUMBERED.match(ref)
    if found is None:
        return None
    before, digits, after = found.groups()
    # A leading zero means padding ("09"); a plain "10" says nothing about width, so it counts as 1.
    return RefStyle(before, len(digits) if digits.startswith("0") else 1, after)


def _siblings_style(siblings: Sequence[str]) -> RefStyle | None:
    """The style most siblings share (the last sibling's on a tie)."""
    styles = [s for s in map(style_of, siblings) if s is not None]
    if not styles:
        return None
    counts = Counter((s.before, s.after) for s in styles)
    best = max(counts.values())
    chosen = next(s for s in reversed(styles) if counts[(s.before, s.after)] == best)
    width = max(s.width for s in styles if (s.before, s.after) == (chosen.before, chosen.after))
    return RefStyle(chosen.before, width, chosen.after)


def _derived_style(parent: str, examples: Iterable[tuple[str, Sequence[str]]]) -> RefStyle | None:
    """How another parent names its first child, with that parent's numbers replaced by this parent's:
    "AC1." under "LO1" gives "AC4." under "LO4"; "M01-AC1." under "M01-LO1" gives "M15-AC1." under
    "M15-LO1"."""
    mine = _DIGITS.findall(parent)
    for other, children in examples:
        theirs = _DIGITS.findall(other)
        if not children or (first := style_of(children[0])) is None or len(theirs) != len(mine):
            continue
        parts, at = [], 0
        # The child's numbers that repeat the other parent's, in order, become this parent's.
        for piece in _DIGITS.split(first.before):
            if piece.isdigit() and at < len(theirs) and piece in theirs[at:]:
                index = theirs.index(piece, at)
                parts.append(mine[index])
                at = index + 1
            else:
                parts.append(piece)
        return RefStyle("".join(parts), first.width, first.after)
    return None


def next_ref(
    parent: str,
    siblings: Sequence[str],
    examples: Iterable[tuple[str, Sequence[str]]],
    taken: set[str],
) -> str:
    """The ref of a new child of `parent` (a module code, or an outcome's ref).

    siblings: the refs of the parent's children now, in order; examples: (other parent, its children's refs)
    of the same kind elsewhere in the qualification; taken: every ref that must not be given again.
    """
    style = _siblings_style(siblings) or _derived_style(parent, examples) or RefStyle(f"{parent}.", 1)
    used = (style.number_of(ref) for ref in (*taken, *siblings))
    number = max((n for n in used if n is not None), default=0) + 1
    while style.ref(number) in taken:
        number += 1
    return style.ref(number)
