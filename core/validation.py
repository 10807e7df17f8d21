"""Field rules shared by forms and services, so that each rule and its message is written once.

A rule is a callable `rule(value) -> message | None`. Services call it on the value they are given (a form is
not the only way in: the CLI, imports and tests call services directly); forms take their validators from the
same rule (`rule.validators()`), so the page says what the service would say, and the browser gets the
`required`/`maxlength` attributes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from wtforms.validators import DataRequired, Length

_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Text:
    """Text of at most `max_length` characters (after trimming), required unless `required=False`."""

    max_length: int
    too_long: str
    missing: str | None = None  # None: the text may be empty

    def __call__(self, value) -> str | None:
        text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
        if not text and self.missing is not None:
            return self.missing
        if len(text) > self.max_length:
            return self.too_long
        return None

    def validators(self) -> list:
        """The same rule as WTForms validators, for the form that feeds the service."""
        required = [DataRequired(self.missing)] if self.missing is not None else []
        return [*required, Length(max=self.max_length, message=self.too_long)]


def title_rule(max_length: int, message: str) -> Text:
    """A title: required and at most `max_length` characters, one message for both."""
    return Text(max_length, message, message)


def web_address_problem(url: str, max_length: int | None = None) -> str | None:
    """Why `url` is not a plain web address, or None: "missing", "too_long", "spaces", "unreadable", "scheme".

    Only http and https with a host are accepted: a javascript: or data: address would run in the reader's
    browser, and a space or control character is how a header or markup injection starts.
    """
    if not url:
        return "missing"
    if max_length is not None and len(url) > max_length:
        return "too_long"
    if _SPACE_OR_CONTROL.search(url):
        return "spaces"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "unreadable"
    if parts.scheme.lower() not in ("http", "https") or not host:
        return "scheme"
    return None


def errors_of(**checks: str | None) -> dict[str, str]:
    """The field errors of several rules applied at once: field name -> message, for those that failed."""
    return {name: message for name, message in checks.items() if message}
