"""Field-level checks that collect problems as `path: message` lines instead of stopping at the first."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

CODE = re.compile(r"[A-Z0-9-]{2,20}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

BAD = object()  # what a reader returns for a missing or broken field; the problem is already recorded
REQUIRED = object()


def join(path: str, key: object) -> str:
    """The path of a field: `modules[0].title`; odd keys are quoted so each problem stays on one line."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    name = key if isinstance(key, str) and _NAME.fullmatch(key) else f"[{show(key)}]"
    if name.startswith("["):
        return f"{path}{name}" if path else name
    return f"{path}.{name}" if path else name


def show(value: object) -> str:
    """A value as JSON, so strings are quoted and control characters escaped."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def is_whole(value: object, low: int, high: int) -> bool:
    # bool is an int subclass and 15.0 is a float: neither is a whole number in this format.
    return type(value) is int and low <= value <= high


def is_text(value: object, low: int, high: int) -> bool:
    # A required text of only spaces is almost surely a slip, so it counts as empty.
    return isinstance(value, str) and low <= len(value) <= high and (low == 0 or bool(value.strip()))


def text_rule(low: int, high: int) -> str:
    if low == 0:
        return f"must be text of up to {high} characters"
    return f"must be text of {low} to {high} characters, not only spaces"


class Reader:
    """Reads one document, remembering every problem it meets."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        # One problem per line even when a quoted title holds a line break.
        self.problems.append(" ".join(f"{path}: {message}".splitlines()))

    def once(self, seen: dict, value: object, path: str, message: str, key: str | None = None) -> bool:
        """Whether this is the value's first place (now remembered); a repeat is a problem naming it."""
        if value in seen:
            self.problem(join(path, key) if key else path, f"{message} (also {seen[value]})")
            return False
        seen[value] = path
        return True

    def object(self, value: object, path: str, fields: tuple[str, ...]) -> dict | None:
        """The value as a JSON object, reporting any field the format does not know."""
        if not isinstance(value, dict):
            self.problem(path, "must be a JSON object")
            return None
        for key in value:
            if key not in fields:
                self.problem(join(path, key), "unknown field")
        return value

    def field(
        self,
        obj: dict,
        key: str,
        path: str,
        ok: Callable[[object], bool],
        rule: str,
        default: object = REQUIRED,
    ) -> object:
        where = join(path, key)
        if key not in obj:
            if default is REQUIRED:
                self.problem(where, "required")
                return BAD
            return default
        value = obj[key]
        if ok(value):
            return value
        self.problem(where, rule)
        return BAD

    def text(self, obj: dict, key: str, path: str, low: int, high: int, default: object = REQUIRED) -> object:
        return self.field(obj, key, path, lambda v: is_text(v, low, high), text_rule(low, high), default)

    def whole(
        self, obj: dict, key: str, path: str, low: int, high: int, default: object = REQUIRED
    ) -> object:
        rule = f"must be a whole number from {low} to {high}"
        return self.field(obj, key, path, lambda v: is_whole(v, low, high), rule, default)

    def code(self, obj: dict, key: str, path: str) -> object:
        rule = "must be 2 to 20 characters of A-Z, 0-9 and -"
        return self.field(obj, key, path, lambda v: isinstance(v, str) and bool(CODE.fullmatch(v)), rule)

    def items(
        self, obj: dict, key: str, path: str, what: str, at_least: int, default: object = REQUIRED
    ) -> list:
        """A list field as (path, item) pairs; a broken or missing list gives none."""
        rule = f"must be a list of at least one {what}" if at_least else f"must be a list of {what}s"
        value = self.field(
            obj, key, path, lambda v: isinstance(v, list) and len(v) >= at_least, rule, default
        )
        if value is BAD:
            return []
        where = join(path, key)
        return [(join(where, index), item) for index, item in enumerate(value)]
