"""Form helpers shared by every area."""

from flask_wtf import FlaskForm

from core.errors import ValidationFailed


def apply_errors(form: FlaskForm, exc: ValidationFailed) -> None:
    """Put a service's validation errors onto the form's fields (or the form itself), for re-display."""
    for name, message in exc.errors.items():
        field = form._fields.get(name) if name else None
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]
