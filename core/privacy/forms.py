"""The privacy pages' forms: the download button (its CSRF token is the whole of it), and erasure."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length


class DownloadForm(FlaskForm):
    pass


class EraseForm(FlaskForm):
    reason = TextAreaField(
        "Why (the request's date and reference)",
        validators=[
            InputRequired("Say why, for example the request's date and reference."),
            Length(max=1000),
        ],
        render_kw={"rows": 3},
    )
    confirm = BooleanField(
        "I understand this cannot be undone",
        validators=[DataRequired("Tick the box to confirm: erasure cannot be undone.")],
    )
