"""The download button's form (its CSRF token is the whole of it)."""

from flask_wtf import FlaskForm


class DownloadForm(FlaskForm):
    pass
