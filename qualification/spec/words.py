"""Spec problems in words for the web: "Award 'PG Certificate': the level must be a whole number from 3 to
8", not `awards[0].level: must be ...`. Pure.

The parser reports each problem as `path: message` (the CLI prints that, and people fixing a file by hand want
the path). A course leader importing or publishing on the web sees the same problem told by name: the path is
walked through the document, so `modules[3]` becomes the module's code and title and `outcomes[0]` its ref.
A problem whose path cannot be read is shown as it is.
"""

from __future__ import annotations

import json
import re

Key = str | int

# The fields of each kind of object, in words; a field the format does not know is named by its key.
_FIELDS = {
    "document": {
        "format": "the format line",
        "code": "the qualification code",
        "title": "the qualification title",
        "provider": "the provider",
        "modules": "the list of modules",
        "awards": "the list of awards",
    },
    "module": {
        "code": "the code",
        "title": "the title",
        "level": "the level",
        "credits": "the credits",
        "summary": "the summary",
        "cpd": "“can be taken as CPD”",
        "outcomes": "the learning outcomes",
    },
    "outcome": {"ref": "the reference", "text": "the wording", "criteria": "the assessment criteria"},
    "criterion": {"ref": "the reference", "text": "the wording", "methods": "the assessment methods"},
    "award": {
        "code": "the code",
        "title": "the title",
        "level": "the level",
        "credits": "the credits",
        "apl_max_credits": "the credits allowed by prior learning (APL)",
        "compulsory": "the compulsory modules",
        "options": "the option groups",
        "includes": "the awards it includes",
        "progression": "the awards it leads on to",
    },
    "group": {
        "title": "the title",
        "modules": "the modules",
        "min_credits": "the minimum credits",
        "max_credits": "the maximum credits",
    },
}
# A list field whose items are objects of their own: (kind that holds it, key) -> kind of each item.
_ITEMS = {
    ("document", "modules"): "module",
    ("document", "awards"): "award",
    ("module", "outcomes"): "outcome",
    ("outcome", "criteria"): "criterion",
    ("award", "options"): "group",
}
# Field names the parser's messages mention.
_IN_MESSAGES = {
    "min_credits": "the minimum credits",
    "max_credits": "the maximum credits",
    "ref": "reference",
}
_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")
_ALSO = re.compile(r"\(also (.+)\)$")
_DUPLICATE = re.compile(r'^duplicate (.+?) ("(?:[^"\\]|\\.)*")')


def problems_in_words(problems: list[str], document: object) -> list[str]:
    """Each `path: message` problem told by name, for the web."""
    return [problem_in_words(problem, document) for problem in problems]


def problem_in_words(problem: str, document: object) -> str:
    """One problem told by name (unchanged when its path cannot be read)."""
    found = _split(problem)
    if found is None:
        return problem
    keys, message = found
    also = _ALSO.search(message)
    if also and (other := _split(also.group(1) + ": ")) is not None:
        places, field = _where(other[0], document)
        message = message[: also.start()] + "(also " + ", ".join([*places, *([field] if field else [])]) + ")"
    message = _message(message)
    if not keys:
        return _sentence(f"the document {message}" if message.startswith("must ") else message)
    places, field = _where(keys, document)
    # "the level must be ...", "the title is missing"; other messages name what they are about.
    if field and message.startswith(("must ", "is ")):
        message = f"{field} {message}"
    return _sentence(f"{', '.join(places)}: {message}" if places else message)


def _split(problem: str) -> tuple[list[Key], str] | None:
    """The path's keys and the message, or None when the path is not one the parser writes."""
    if problem.startswith("$: "):
        return [], problem[3:]
    keys: list[Key] = []
    at = 0
    while True:
        if keys and problem.startswith(": ", at):
            return keys, problem[at + 2 :]
        if problem.startswith('["', at):  # an odd key, quoted as JSON: `["my key"]`
            try:
                key, end = json.JSONDecoder().raw_decode(problem, at + 1)
            except ValueError:
                return None
            if not problem.startswith("]", end):
                return None
            keys.append(key)
            at = end + 1
            continue
        step = _STEP.match(problem, at)
        if step is None or (step.group(0).startswith(".") and not keys):
            return None
        keys.append(step.group(1) if step.group(1) is not None else int(step.group(2)))
        at = step.end()


def _where(keys: list[Key], document: object) -> tuple[list[str], str | None]:
    """The places the path goes through ("Award 'PG Certificate'", "option group 'Electives'") and the
    field it ends on, if it ends on one."""
    places: list[str] = []
    kind, node = "document", document
    index = 0
    while index < len(keys):
        key = keys[index]
        name = _FIELDS[kind].get(key) if isinstance(key, str) else None
        if name is None:
            return places, f"the field “{key}”"
        following = keys[index + 1] if index + 1 < len(keys) else None
        item_kind = _ITEMS.get((kind, key))
        if isinstance(following, int) and item_kind is not None:
            value = node.get(key) if isinstance(node, dict) else None
            item = value[following] if isinstance(value, list) and following < len(value) else None
            places.append(_named(item_kind, item, following))
            kind, node = item_kind, item
            index += 2
            continue
        if following is None:
            return places, name
        # An item of a list of codes (compulsory modules, included awards): the message names the code.
        return [*places, name], None
    return places, None


def _named(kind: str, item: object, position: int) -> str:
    """An object by what people call it: its title, code or ref; its place in the list when it has none."""
    obj = item if isinstance(item, dict) else {}
    code, title, ref = (_text(obj.get(key)) for key in ("code", "title", "ref"))
    number = f"number {position + 1}"
    if kind == "module":
        named = " ".join(part for part in (code, f"'{title}'" if title else None) if part)
        return f"Module {named or number}"
    if kind == "award":
        return f"Award '{title}'" if title else f"Award {code or number}"
    if kind == "group":
        return f"option group '{title}'" if title else f"option group {number}"
    noun = "learning outcome" if kind == "outcome" else "criterion"
    return f"{noun} {ref or number}"


def _text(value: object) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _message(message: str) -> str:
    if message == "required":
        return "is missing"
    if message == "unknown field":
        return "is not part of the qualification-spec format: remove it"
    if message.startswith("cycle "):
        loop = message[len("cycle ") :].replace(" -> ", " includes ")
        return f"includes itself through other awards: {loop}"
    message = _DUPLICATE.sub(r"the \1 \2 is used twice", message)
    for field, words in _IN_MESSAGES.items():
        message = re.sub(rf"\b{field}\b", words, message)
    return message


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."
