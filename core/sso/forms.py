"""The "Sign in with ..." button's form: its CSRF token and where the person was going."""

from flask_wtf import FlaskForm
from wtforms import HiddenField


class StartSignInForm(FlaskForm):
    next = HiddenField()
