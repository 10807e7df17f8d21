"""Forms for the qualification pages."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ImportSpecForm(FlaskForm):
    document = FileField("Spec file (JSON)", description="A qualification-spec/1 document, up to 5 MB.")
    text = TextAreaField(
        "Or paste the JSON here",
        validators=[Optional(), Length(max=5 * 1024 * 1024)],
    )
    publish = BooleanField("Publish this version at once (otherwise it is kept as a draft)")


class QualificationForm(FlaskForm):
    code = StringField(
        "Code",
        description="2 to 20 capital letters, digits or hyphens; it never changes, e.g. CCQ",
        validators=[DataRequired("Enter a code."), Length(max=20)],
    )
    title = StringField("Title", validators=[DataRequired("Enter a title."), Length(max=200)])
    provider = StringField("Provider (your university)", validators=[Optional(), Length(max=200)])


class DetailsForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Enter a title."), Length(max=200)])
    provider = StringField("Provider", validators=[Optional(), Length(max=200)])
    version = HiddenField(validators=[DataRequired()])
