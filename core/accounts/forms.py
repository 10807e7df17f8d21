"""Forms for signing in, passwords, invitations and account administration."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from core.accounts.rules import MAX_LENGTH, MIN_LENGTH, PERSON_NAME

_PASSWORD_HINT = f"At least {MIN_LENGTH} characters. A phrase of three or four unrelated words works well."


class LoginForm(FlaskForm):
    email = StringField(
        "Email address", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)]
    )
    remember = BooleanField("Keep me signed in on this device for 30 days")
    next = HiddenField()


def _confirmation_of(field_name: str) -> PasswordField:
    """The "type it again" field that must equal the new password in `field_name`."""
    return PasswordField(
        "Type the new password again",
        validators=[
            DataRequired("Type the password again."),
            EqualTo(field_name, "The two passwords differ."),
        ],
    )


class NewPasswordMixin:
    password = PasswordField(
        "New password",
        description=_PASSWORD_HINT,
        validators=[DataRequired("Choose a password."), Length(max=MAX_LENGTH)],
    )
    confirm = _confirmation_of("password")


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    name = StringField(
        "Your name", validators=[DataRequired("Enter your name."), Length(max=PERSON_NAME.max_length)]
    )


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class ForgotPasswordForm(FlaskForm):
    email = StringField(
        "Email address", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password."), Length(max=MAX_LENGTH)]
    )
    new_password = PasswordField(
        "New password",
        description=_PASSWORD_HINT + " Your other signed-in devices will be signed out.",
        validators=[DataRequired("Choose a new password."), Length(max=MAX_LENGTH)],
    )
    confirm = _confirmation_of("new_password")


class InviteForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Enter the person's name."), Length(max=PERSON_NAME.max_length)]
    )
    email = StringField(
        "Email address",
        validators=[
            DataRequired("Enter their email address."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
    )
    role = SelectField("Role", validators=[DataRequired("Choose a role.")])


class AccountSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField("Search by name or email", validators=[Optional(), Length(max=200)])
    status = SelectField(
        "Status",
        choices=[("", "All"), ("active", "Active"), ("disabled", "Disabled")],
        validators=[Optional()],
    )
    role = SelectField("Role", validators=[Optional()])


class RolesForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
