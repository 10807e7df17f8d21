"""What a draft keeps of a posted form, and what it refuses (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import MultiDict

from core.drafts.models import Fields

MAX_VALUES = 200  # values of one field: a long list of ticked evidence items, never thousands


def fields_of(formdata: MultiDict, limits: Mapping[str, int]) -> Fields:
    """The fields a draft keeps (those named in `limits`) as posted; the CSRF token, versions, buttons and
    files are not typing and are left out."""
    return {name: formdata.getlist(name) for name in limits if name in formdata}


def field_problems(fields: Fields, limits: Mapping[str, int]) -> dict[str, str]:
    """Fields too long to keep (`limits`: the most characters of each value), by name."""
    errors = {}
    for name, values in fields.items():
        limit = limits.get(name, 0)
        if len(values) > MAX_VALUES:
            errors[name] = "Too many choices to keep."
        elif any(len(value) > limit for value in values):
            errors[name] = f"Keep this under {limit:,} characters."
    return errors


def formdata_of(fields: Fields) -> MultiDict:
    """A kept draft as the form reads posted data, so the page opens with what was typed."""
    return MultiDict([(name, value) for name, values in fields.items() for value in values])
