"""Jinja filters for showing values to people in England."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask, request
from markupsafe import Markup, escape

from core.accounts.models import Role
from core.db.timeutil import UK
from core.files.downloads import human_size
from core.web.words import plural


def format_datetime(moment: datetime | None) -> str:
    """A UTC time as UK local time, e.g. '22 Nov 2026, 16:30'."""
    if moment is None:
        return ""
    return moment.astimezone(UK).strftime("%-d %b %Y, %H:%M")


def format_time_of_day(moment: datetime | None) -> str:
    """A UTC time as the UK clock time, e.g. '18:00'."""
    return "" if moment is None else moment.astimezone(UK).strftime("%H:%M")


def format_ects(credits: int) -> str:
    """ECTS credits (half the UK credits), without a needless '.0'."""
    value = credits / 2
    return f"{value:g}"


def role_label(value: str) -> str:
    """A role's name for people."""
    try:
        return Role(value).label
    except ValueError:
        return value


# Letters whose names begin with a vowel sound ("an M01", "an F grade", "an SEN plan").
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")
_CONSONANT_SOUND_STARTS = ("uni", "use", "usu", "eu", "one", "once")
_SILENT_H_STARTS = ("hour", "honest", "honour", "heir")


def with_article(phrase: str, *, capital: bool = False) -> str:
    """The phrase after "a" or "an" as it is said: "an M01 decision", "a module", "an IQA", "a unit"."""
    first = phrase.split(" ", 1)[0]
    lower = first.lower()
    if first.isupper() or first[1:2].isdigit():  # a code or an acronym, said letter by letter
        an = first[0].upper() in _VOWEL_SOUND_LETTERS
    else:
        an = (lower[:1] in "aeiou" and not lower.startswith(_CONSONANT_SOUND_STARTS)) or lower.startswith(
            _SILENT_H_STARTS
        )
    article = "an" if an else "a"
    return f"{article.capitalize() if capital else article} {phrase}"


_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def linkify(text: str | None) -> Markup:
    """Plain text, escaped, with each http(s) address made a link (as the outbox shows emails)."""
    if not text:
        return Markup("")
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts += [escape(text[last : match.start()]), Markup('<a href="{0}">{0}</a>').format(match.group(0))]
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def register_filters(app: Flask) -> None:
    """Add the filters to the app's templates."""
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(format_time_of_day, "time_of_day")
    app.add_template_filter(format_ects, "ects")
    app.add_template_filter(human_size, "filesize")
    app.add_template_filter(linkify, "linkify")
    app.add_template_filter(with_article, "with_article")
    app.add_template_filter(plural, "plural")


THEMES = ("system", "light", "dark")


THEME_COOKIE = "waymark_theme"


def current_theme() -> str:
    """The theme chosen on this device."""
    choice = request.cookies.get(THEME_COOKIE, "system")
    return choice if choice in THEMES else "system"
