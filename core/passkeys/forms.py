"""Forms of passkeys: naming a new one (with a current code), and removing one (with the password)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core.accounts.rules import MAX_LENGTH
from core.passkeys.rules import PASSKEY_NAME


class AddPasskeyForm(FlaskForm):
    name = StringField(
        "Name of the passkey",
        description="So you can tell your passkeys apart, for example \u201cWork laptop\u201d.",
        validators=PASSKEY_NAME.validators(),
    )
    code = StringField(
        "Code from your app",
        description="The 6 digits your authenticator app shows for Waymark now (or a recovery code).",
        validators=[DataRequired("Enter the code."), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"},
    )


class RemovePasskeyForm(FlaskForm):
    password = PasswordField(
        "Your password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)]
    )
