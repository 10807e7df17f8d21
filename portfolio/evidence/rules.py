"""Tag frameworks as data: the six Principles of impartial careers education, the Gatsby Benchmarks, and
any other framework a course leader loads later (one more entry in `data/frameworks.json`).

A tag is stored as (framework key, tag key), e.g. ("gatsby", "GB8"), so relabelling a tag never touches
the evidence rows. The framework "source" is ours, not the candidate's: it records where an item came from
(e.g. "reflection:12") and is never shown as a tag or offered as a choice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from core.validation import Text

DATA = Path(__file__).resolve().parent.parent / "data" / "frameworks.json"
SOURCE = "source"  # internal provenance tags


@dataclass(frozen=True)
class Tag:
    key: str
    label: str


@dataclass(frozen=True)
class Framework:
    key: str
    name: str
    tags: tuple[Tag, ...]

    def label_of(self, tag_key: str) -> str | None:
        """The tag's label, or None if the framework has no such tag."""
        return next((t.label for t in self.tags if t.key == tag_key), None)


def parse_frameworks(doc: dict) -> tuple[Framework, ...]:
    """Frameworks from their JSON document; a malformed document raises ValueError."""
    found: list[Framework] = []
    keys: set[str] = set()
    for entry in doc.get("frameworks", []):
        key = str(entry.get("key", "")).strip()
        if not key or key == SOURCE or key in keys or len(key) > 40:
            raise ValueError(f"framework key {key!r} is missing, reserved, repeated or too long")
        tags = tuple(Tag(str(t["key"]), str(t["label"])) for t in entry.get("tags", []))
        if not tags or len({t.key for t in tags}) != len(tags) or any(len(t.key) > 80 for t in tags):
            raise ValueError(f"framework {key!r} needs distinct tag keys of up to 80 characters")
        keys.add(key)
        found.append(Framework(key, str(entry.get("name") or key), tags))
    return tuple(found)


@cache
def frameworks() -> tuple[Framework, ...]:
    """The tag frameworks candidates can use."""
    return parse_frameworks(json.loads(DATA.read_text(encoding="utf-8")))


def framework(key: str) -> Framework | None:
    """One framework by its key."""
    return next((f for f in frameworks() if f.key == key), None)


def tag_choices() -> list[tuple[str, str]]:
    """Every tag as a form choice: ("gatsby:GB8", "8 Personal guidance")."""
    return [(f"{f.key}:{t.key}", t.label) for f in frameworks() for t in f.tags]


def parse_tag(value: str) -> tuple[str, str] | None:
    """A form value "framework:tag" as a known (framework, tag) pair, else None."""
    key, _, tag = value.partition(":")
    known = framework(key)
    return (key, tag) if known is not None and known.label_of(tag) is not None else None


def tag_label(framework_key: str, tag_key: str) -> str:
    """What a person reads for a stored tag: its label, or the raw key if the framework dropped it."""
    known = framework(framework_key)
    return (known.label_of(tag_key) if known else None) or tag_key


def short_label(framework_key: str, tag_key: str) -> str:
    """A compact label for lists, e.g. "Gatsby Benchmarks 8 Personal guidance"."""
    known = framework(framework_key)
    name = known.name if known else framework_key
    return f"{name}: {tag_label(framework_key, tag_key)}"


# The content of an item: one rule and message per field, for the form and the service alike -------------

MAX_TITLE = 200
MAX_CONTEXT = 20_000
MAX_BODY = 100_000
MAX_URL = 1000
TITLE = Text(MAX_TITLE, f"Keep the title under {MAX_TITLE} characters.", "Give the evidence a title.")
CONTEXT = Text(MAX_CONTEXT, f"Keep the context under {MAX_CONTEXT:,} characters.")
_BODY_TOO_LONG = f"Keep it under {MAX_BODY:,} characters."
BODY = {
    "account": Text(MAX_BODY, _BODY_TOO_LONG, "Write the account."),
    "discussion": Text(MAX_BODY, _BODY_TOO_LONG, "Write the record of the discussion."),
}
URL_PROBLEMS = {
    "missing": "Enter the address of the link.",
    "too_long": f"Keep the address under {MAX_URL:,} characters.",
    "spaces": "The address cannot contain spaces or control characters.",
    "unreadable": "That is not a web address we can open.",
    "scheme": "Enter a web address starting with http:// or https://.",
}


def date_problem(day, today: date) -> str | None:
    """The date of the activity: given, and not in the future."""
    if not isinstance(day, date):
        return "Enter the date of the activity."
    if day > today:
        return "The date of the activity cannot be in the future."
    return None
