"""Form helpers shared by every area: one way to submit a form to a service, and one way to answer the
autosave script (static/js/app.js, section (d)) and send a form kept as a draft on the server."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import flash, jsonify, redirect, request
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectMultipleField
from wtforms.validators import InputRequired, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from core.drafts.models import Fields, FormDraft
from core.drafts.queries import draft_of
from core.drafts.rules import fields_of, formdata_of
from core.drafts.services import DraftSave, send_form_draft
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


def answer(outcome: Outcome, told, back, again):
    """The response to a submission: when it was done, flash what `told` says and redirect to `back` (each a
    value, or a function of what the service returned); otherwise `again(outcome)`: the page shown again
    with the form, its errors and the outcome's status."""
    if not outcome:
        return again(outcome)
    flash(told(outcome.result) if callable(told) else told, "success")
    return redirect(back(outcome.result) if callable(back) else back)


def values(form: FlaskForm, *names: str) -> dict[str, Any]:
    """What was typed in these fields, by name: the keyword arguments of the service the form is sent to."""
    return {name: form[name].data for name in names}


# Forms kept as drafts on the server -------------------------------------------------------------------------

# The hidden field that carries the draft's revision as the page had it (the autosave script updates it).
DRAFT_REVISION = "draft_revision"
DRAFT_CONFLICT = (
    "Not saved: this was changed in another tab or device first. Your text is kept beside the newer draft; "
    "reload the page to see both."
)


def wants_json() -> bool:
    """The autosave script posting the form in the background: it reads JSON, not a page."""
    return (
        request.headers.get("X-Requested-With") == "fetch"
        or request.accept_mimetypes.best == "application/json"
    )


def refusal(outcome: Outcome):
    """A refused background save as the autosave script reads it: why, with the page's status."""
    said = {"message": outcome.conflict} if outcome.conflict else {"errors": outcome.errors}
    return jsonify(ok=False, **said), outcome.status


def posted_draft(limits: Mapping[str, int]) -> tuple[Fields, int | None]:
    """What the posted form holds for its draft (the fields named in `limits`), and the draft revision the
    page was at."""
    return fields_of(request.form, limits), whole(request.form.get(DRAFT_REVISION))


def autosave(call: Callable[[], DraftSave]):
    """Answer the autosave script: `call` (the area's service) saves the draft; JSON {ok, draft_revision},
    409 when a newer draft was there (it was kept, and this text beside it), 422 when it cannot be kept."""
    outcome = submit(None, call, conflicts=True)
    if not outcome:
        return refusal(outcome)
    saved: DraftSave = outcome.result
    if saved.conflict:
        return jsonify(ok=False, message=DRAFT_CONFLICT), 409
    return jsonify(ok=True, draft_revision=saved.draft.revision)


def opened_with(draft: FormDraft | None) -> dict[str, Any]:
    """How to open a form kept as a draft: on a GET with what the person typed and has not sent; on a POST
    with what was sent (the form's own default)."""
    if request.method == "POST" or draft is None or not draft.unsent:
        return {}
    return {"formdata": formdata_of(draft.unsent)}


def drafted_page(form: FlaskForm | None, key: str, conflict: str | None = None) -> FormDraft | None:
    """The person's draft of the form `key` as it is now, to show beside the form; the form saves on from
    its revision when just opened, and after a conflict (pressing again then sends what was typed)."""
    draft = draft_of(current_user.id, key)
    if form is not None and (request.method != "POST" or conflict):
        form[DRAFT_REVISION].data = str(draft.revision if draft else 0)
    return draft


def send_drafted(form: FlaskForm | None, key: str, limits: Mapping[str, int], send: Callable[[], int]):
    """Submit a form kept as a draft: `send` (the area's service) makes what it is for and returns its id,
    and the draft is spent. The outcome's result is a `Sent` (`again`: the same page sent twice, nothing
    more made); a page older than a draft saved or sent elsewhere is a 409 that keeps what was typed."""
    fields, base = posted_draft(limits)
    return submit(
        form,
        lambda: send_form_draft(current_user, key, fields, base_revision=base, send=send),
        conflicts=True,
    )
