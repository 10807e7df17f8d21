"""The site page editor's form."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import Optional, Regexp


class SitePageForm(FlaskForm):
    body = TextAreaField("Page text (Markdown)", render_kw={"rows": 24})
    # Empty while the page is its default text; the edit's version once saved (a stale tab is refused).
    version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$", message="Reload the page.")])
    preview = SubmitField("Preview")
    save = SubmitField("Save page")
