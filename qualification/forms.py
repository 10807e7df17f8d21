"""Forms for the qualification pages."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional


class ImportSpecForm(FlaskForm):
    document = FileField("Spec file (JSON)", description="A qualification-spec/1 document, up to 5 MB.")
    text = TextAreaField(
        "Or paste the JSON here",
        validators=[Optional(), Length(max=5 * 1024 * 1024)],
    )
    publish = BooleanField("Publish this version at once (otherwise it is kept as a draft)")
