"""Forms of multi-factor sign-in. The codes are checked by the services, which know the time and what was
used before; the reason for a reset takes its validators from the service's rule."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.accounts.rules import MAX_LENGTH
from core.mfa.services.factors import RESET_REASON

_CODE_HINT = "The 6 digits your authenticator app shows for Waymark, or one of your recovery codes."


def code_field(label: str, hint: str) -> StringField:
    """A current code from the authenticator app (or a recovery code)."""
    return StringField(
        label,
        description=hint,
        validators=[DataRequired("Enter the code."), Length(max=40, message="That code is too long.")],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"},
    )


def password_field() -> PasswordField:
    """The account's password, asked again before a change to how it signs in."""
    return PasswordField(
        "Your password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)]
    )


class CodeForm(FlaskForm):
    code = code_field("Code", _CODE_HINT)


class SetupForm(FlaskForm):
    code = StringField(
        "Code from your app",
        description="Once Waymark is added to the app, type the 6 digits it shows.",
        validators=[DataRequired("Enter the 6 digits your app shows."), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class ConfirmForm(FlaskForm):
    """Password and a code: turning multi-factor sign-in off, or making new recovery codes."""

    password = password_field()
    code = code_field("Code", _CODE_HINT)


class ResetForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        description="Kept in the audit trail and emailed to them: how you confirmed the request is theirs.",
        validators=RESET_REASON.validators(),
        render_kw={"rows": 3},
    )
