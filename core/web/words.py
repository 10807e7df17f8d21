"""Counted nouns for people: "1 award", "2 awards", "1 activity", never "1 awards" or "candidate(s)". Pure.

Templates use it as the `plural` filter (`{{ spec.awards | length | plural("award") }}`); views, services and
rules call it directly. No Flask here, so pure rules may use it too.
"""

from __future__ import annotations

# Nouns whose plural no spelling rule gives; anything else odd can be passed as plural()'s third argument.
_IRREGULAR = {"criterion": "criteria", "person": "people", "child": "children"}


def plural_of(noun: str) -> str:
    """The plural of a noun, or of the last word of a phrase: "award" -> "awards", "APL claim" -> "APL
    claims", "activity" -> "activities", "match" -> "matches", "criterion" -> "criteria"."""
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR:
        many = _IRREGULAR[last]
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        many = last + "es"
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u"):
        many = last[:-1] + "ies"
    else:
        many = last + "s"
    return f"{head} {many}" if head else many


def plural(count: int, noun: str, many: str | None = None) -> str:
    """The count and the noun as said: plural(1, "award") == "1 award", plural(0, "award") == "0 awards"."""
    return f"{count} {noun if count == 1 else (many or plural_of(noun))}"
