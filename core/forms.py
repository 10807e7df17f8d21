"""Form helpers shared by every area: one way to submit a form to a service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectMultipleField
from wtforms.validators import InputRequired, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db

# Shown when a concurrent writer passed the version check first and SQLAlchemy's `WHERE version = n` stopped
# this one; a view with a message of its own passes it as `stale=`.
STALE = "Someone else changed this first. Reload to see the latest version, then make your change again."

# The validators of a hidden `version` field: the row's version when the page was opened, so that a form sent
# after someone else's change is refused (409).
VERSION_VALIDATORS = [
    InputRequired("Reload the page and try again."),
    Regexp(r"^\d{1,9}$", message="Reload the page."),
]


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (works without JavaScript); the view sets the choices."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        # Unknown values are the service's to refuse, in words, rather than as "not a valid choice".
        return None


def apply_errors(form: FlaskForm, exc: ValidationFailed) -> None:
    """Put a service's validation errors onto the form's fields (or the form itself), for re-display."""
    for name, message in exc.errors.items():
        field_ = form._fields.get(name) if name else None
        if field_ is None:
            form.form_errors.append(message)
        else:
            field_.errors = [*field_.errors, message]


def whole(value) -> int | None:
    """A non-negative integer typed or carried in a hidden field (a version), or None."""
    return int(value) if isinstance(value, str) and value.isdigit() else None


@dataclass
class Outcome:
    """What became of one submission: `status` is the HTTP status of the page to show if it failed."""

    status: int
    result: Any = None
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None  # the refusal in one line, as the service said it (for a flash)
    done: bool = False

    @property
    def conflict(self) -> str | None:
        """Why the change met a conflict (409), for the page that keeps what was typed."""
        return self.message if self.status == 409 else None

    def __bool__(self) -> bool:
        return self.done


def submit(
    form: FlaskForm | None,
    call: Callable[[], Any],
    *,
    validate: bool = True,
    conflicts: bool | type[InvalidTransition] = False,
    stale: str = STALE,
) -> Outcome:
    """Validate the form, call one service and commit; or roll back and say why on the form's fields.

    The outcome is truthy when the change was committed (`outcome.result` is what the service returned).
    Otherwise `outcome.status` is 200 (a GET: nothing was sent), 422 (the form or the service refused the
    input; the service's `ValidationFailed` errors are on the form's fields, and in `outcome.errors`) or 409
    (with `conflicts=True`: an `InvalidTransition` or a stale write, its text in `outcome.conflict`;
    `conflicts=EditConflict` shows only that kind on the page). Other conflicts propagate to the 409 error
    page, as `PermissionDenied` always does to the 403 page; the error handlers roll back.
    """
    if form is not None and validate and not form.validate_on_submit():
        return Outcome(422 if form.is_submitted() else 200)
    try:
        result = call()
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        if form is not None:
            apply_errors(form, exc)
        return Outcome(422, errors=dict(exc.errors), message=str(exc))
    except (InvalidTransition, StaleDataError) as exc:
        shown = InvalidTransition if conflicts is True else conflicts
        if not shown or not isinstance(exc, shown | StaleDataError):
            raise
        db.session.rollback()
        return Outcome(409, message=str(exc) if isinstance(exc, InvalidTransition) else stale)
    return Outcome(200, result=result, done=True)
