"""The notification preferences form."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional


class PreferencesForm(FlaskForm):
    delivery = RadioField(
        "Email me",
        choices=[
            ("immediate", "As things happen"),
            ("digest", "Once a day, in one email"),
            ("off", "Never: I will look in Waymark"),
        ],
        validators=[InputRequired("Choose how you want to hear about things.")],
    )
    digest_hour = IntegerField(
        "Daily email at (hour, UK time)",
        default=17,
        validators=[Optional(), NumberRange(0, 23, "From 0 to 23.")],
    )
    quiet_start = TimeField("Quiet hours start", validators=[Optional()])
    quiet_end = TimeField("Quiet hours end", validators=[Optional()])
