"""Forms of passkeys: naming a new one (with a current code), and removing one (with the password)."""

from flask_wtf import FlaskForm
from wtforms import StringField

from core.mfa.forms import code_field, password_field
from core.passkeys.rules import PASSKEY_NAME


class AddPasskeyForm(FlaskForm):
    name = StringField(
        "Name of the passkey",
        description="So you can tell your passkeys apart, for example \u201cWork laptop\u201d.",
        validators=PASSKEY_NAME.validators(),
    )
    code = code_field(
        "Code from your app",
        "The 6 digits your authenticator app shows for Waymark now (or a recovery code).",
    )


class RemovePasskeyForm(FlaskForm):
    password = password_field()
