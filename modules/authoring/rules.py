"""Checking authors' input, and the values of a row that the audit log keeps."""

from __future__ import annotations

import re

from core.validation import errors_of, title_rule, web_address_problem
from modules.content.models import Activity, Question

TITLE_MAX = 200
MINUTES_MIN, MINUTES_MAX = 1, 600
BODY_MAX = 50_000
URL_MAX = 500
CRITERIA_MAX = 400
QUESTION_MAX = 5_000
OPTION_MAX = 1_000
OPTIONS_MAX = 10

# The kinds of cohort session that complete a session activity. They mirror qualification's SessionKind,
# which this package may not import (imports flow from modules to qualification, never back).
SESSION_KINDS = {
    "": "Any cohort session",
    "twilight": "Twilight session",
    "day_release": "Day release",
    "half_day": "Half-day release",
    "online_live": "Online live session",
}


def title_errors(title: str, noun: str) -> dict[str, str]:
    rule = title_rule(TITLE_MAX, f"Enter a title for the {noun} in 1 to {TITLE_MAX} characters.")
    return errors_of(title=rule(title))


def parse_minutes(value) -> int | None:
    """The minutes as a whole number, or None when they are not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def minutes_errors(minutes: int | None) -> dict[str, str]:
    if minutes is None or not MINUTES_MIN <= minutes <= MINUTES_MAX:
        return {
            "minutes": f"Enter the minutes as a whole number from {MINUTES_MIN} to {MINUTES_MAX}: "
            "about how long a coordinator needs for it."
        }
    return {}


def url_errors(url: str) -> dict[str, str]:
    """A resource's address must be a plain web address: no javascript:, data: or other schemes."""
    problem = web_address_problem(url, URL_MAX)
    if problem == "missing":
        return {"url": "Enter the web address of the resource, starting with https://."}
    if problem:
        return {
            "url": f"Enter a web address starting with https:// or http://, in at most {URL_MAX} characters."
        }
    return {}


def parse_refs(text: str | None) -> list[str]:
    """Criteria refs typed with spaces (or commas) between them, each once, in the order typed."""
    return list(dict.fromkeys(ref for ref in re.split(r"[\s,]+", text or "") if ref))


def refs_errors(refs: list[str], known: list[str], code: str) -> dict[str, str]:
    unknown = [ref for ref in refs if ref not in set(known)]
    if unknown:
        examples = ", ".join(known[:3]) if known else "none yet"
        noun = "is not an assessment criterion" if len(unknown) == 1 else "are not assessment criteria"
        return {
            "criteria": f"{', '.join(unknown)} {noun} of {code} in any version. "
            f"Use the module's criteria refs, such as {examples}."
        }
    if len(" ".join(refs)) > CRITERIA_MAX:
        return {"criteria": f"The criteria refs must fit in {CRITERIA_MAX} characters."}
    return {}


def activity_values(activity: Activity) -> dict:
    """The activity as the audit log keeps it."""
    return {
        "kind": activity.kind,
        "title": activity.title,
        "minutes": activity.minutes,
        "body": activity.body_md,
        "url": activity.url,
        "criteria": activity.criteria_refs,
        "session_kind": activity.session_kind,
        "requires_previous": activity.requires_previous,
        "try_is_enough": activity.try_is_enough,
        "position": activity.position,
    }


def question_values(question: Question) -> dict:
    """The question as the audit log keeps it."""
    return {
        "text": question.text_md,
        "multiple": question.multiple,
        "explanation": question.explanation_md,
        "options": [{"text": o.text, "correct": o.correct} for o in question.options],
        "position": question.position,
    }
