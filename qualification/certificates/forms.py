"""Forms of certificates: the candidate's choices, and the public check (a number, a name to compare)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from qualification.certificates.rules import NAME_CHECK_MAX
from qualification.certificates.services import NAME_MAX

NOT_A_NUMBER = (
    "That is not a certificate number. Numbers start WM and have four groups of four letters and digits, "
    "for example WM-7Q4M-9XJ2-K3PD-Z8RT."
)


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class DisplayForm(FlaskForm):
    name = StringField(
        "Name printed on your certificate",
        validators=[InputRequired("Enter the name to print on your certificate.")],
        description="As you want employers to read it, for example with a middle name or a new surname.",
        render_kw={"maxlength": NAME_MAX, "autocomplete": "name"},
    )
    show_name = BooleanField("Show my name to anyone who checks this certificate")
    show_modules = BooleanField("Show the modules I achieved to anyone who checks this certificate")


class NumberForm(FlaskForm):
    """Sent by GET (a link to the result can be shared), so no CSRF token."""

    class Meta:
        csrf = False

    number = StringField(
        "Certificate number",
        validators=[InputRequired("Enter the certificate number."), Length(max=100, message=NOT_A_NUMBER)],
        description="It is on the certificate and the transcript, for example WM-7Q4M-9XJ2-K3PD-Z8RT.",
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )


class NameCheckForm(FlaskForm):
    name = StringField(
        "The name you were given",
        filters=[_stripped],
        validators=[
            DataRequired("Enter the name you were given."),
            Length(max=NAME_CHECK_MAX, message=f"Keep the name under {NAME_CHECK_MAX} characters."),
        ],
        description="Capitals and spaces do not matter.",
        render_kw={"autocomplete": "off"},
    )
