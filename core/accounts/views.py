"""Signing in and out, passwords and invitations: the `auth` blueprint."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from core.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from core.accounts.services.accounts import change_password
from core.accounts.services.invitations import (
    TokenUnusable,
    accept_invitation,
    request_password_reset,
    reset_password,
    usable_invitation,
    usable_reset,
)
from core.accounts.services.sessions import (
    LoginThrottled,
    authenticate,
    end_session,
)
from core.extensions import db
from core.forms import submit
from core.mfa.queries import second_factor_step
from core.sso.services.accounts import password_refusal
from core.sso.services.oidc import offer_provider_signout, provider_signout_offer
from core.web.access import PUBLIC, SIGNED_IN, rule
from core.web.security import is_safe_next
from core.web.signin import client_ip, hold_sign_in
from core.web.signin import complete_sign_in as _sign_in
from core.web.words import plural

bp = Blueprint("accounts", __name__)

FAILED_LOGIN = "The email address or password is not right. Check them and try again."


@bp.errorhandler(TokenUnusable)
def token_problem(exc: TokenUnusable):
    """A reset or invitation link that cannot be used (any more), whether found on opening it or on saving."""
    db.session.rollback()
    return render_template("core/accounts/token_problem.html", message=str(exc)), 410


@bp.route("/login", methods=["GET", "POST"])
@rule(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, client_ip())
        except LoginThrottled as exc:
            # Not submit(): a throttled sign-in answers 429 with Retry-After; a failed one commits its count.
            db.session.rollback()
            # The same words whether or not the account exists (the wait is counted for the typed address).
            form.form_errors.append(
                "Too many unsuccessful attempts from here. For your security, "
                f"wait {plural(exc.minutes, 'minute')} and try again, "
                "or reset your password."
            )
            return (
                render_template("core/accounts/login.html", form=form),
                429,
                {"Retry-After": str(exc.minutes * 60)},
            )
        if user is None:
            db.session.commit()  # keep the counted failure and its audit row
            form.form_errors.append(FAILED_LOGIN)
            form.password.data = ""
            return render_template("core/accounts/login.html", form=form), 200
        if refusal := password_refusal(user):
            db.session.commit()  # keep its audit row
            form.form_errors.append(refusal)
            form.password.data = ""
            return render_template("core/accounts/login.html", form=form), 403
        if step := second_factor_step(user):
            # Password right, second factor still to come: nobody is signed in until it is (core/mfa).
            db.session.commit()
            hold_sign_in(user, remember=bool(form.remember.data), next_url=form.next.data)
            return redirect(url_for(step))
        _sign_in(user, remember=bool(form.remember.data))
        flash(f"Signed in as {user.name}.", "success")
        target = form.next.data
        return redirect(target if is_safe_next(target) else url_for("core.home.home"))
    return render_template("core/accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@rule(PUBLIC)
def logout():
    if current_user.is_authenticated:
        end_session(current_user, current_user.auth_session_id)
        db.session.commit()
    offer = provider_signout_offer()  # read before the cookie is cleared
    session.clear()
    logout_user()
    offer_provider_signout(offer)
    flash("You have signed out.", "info")
    return redirect(url_for("core.accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
@rule(SIGNED_IN)
def account():
    form = ChangePasswordForm()
    outcome = submit(
        form,
        lambda: change_password(
            current_user,
            current=form.current_password.data,
            new=form.new_password.data,
            keep_raw=current_user.auth_session_id,
        ),
    )
    if outcome:
        ended = outcome.result
        others = (
            f" {plural(ended, 'other signed-in device was', 'other signed-in devices were')} signed out."
            if ended
            else ""
        )
        flash("Your password has been changed." + others, "success")
        return redirect(url_for("core.accounts.account"))
    return render_template("core/accounts/account.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@rule(PUBLIC)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            request_password_reset(form.email.data, client_ip())
        except LoginThrottled as exc:
            # Not submit(): a throttled request answers 429 (the throttle is not a field's error).
            db.session.rollback()
            form.form_errors.append(f"Too many reset requests. Wait {exc.minutes} minutes and try again.")
            return render_template("core/accounts/forgot_password.html", form=form), 429
        db.session.commit()
        # The same answer whether or not the account exists, so this page reveals nobody's address.
        flash(
            "If an account exists for that address, we have emailed a link to reset the password. "
            "It works once, for one hour.",
            "info",
        )
        return redirect(url_for("core.accounts.login"))
    return render_template("core/accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"], endpoint="reset_password")
@rule(PUBLIC)
def reset_password_view(token: str):
    reset = usable_reset(token)
    form = ResetPasswordForm()
    if submit(form, lambda: reset_password(token, password=form.password.data)):
        if current_user.is_authenticated:
            session.clear()
            logout_user()
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("core.accounts.login"))
    return render_template("core/accounts/reset_password.html", form=form, email=reset.user.email)


@bp.route("/invitations/<token>", methods=["GET", "POST"], endpoint="accept_invitation")
@rule(PUBLIC)
def accept_invitation_view(token: str):
    invitation = usable_invitation(token)
    form = AcceptInvitationForm()
    if request.method == "GET":
        form.name.data = invitation.name
    outcome = submit(form, lambda: accept_invitation(token, name=form.name.data, password=form.password.data))
    if outcome:
        user = outcome.result
        if current_user.is_authenticated:
            end_session(current_user, current_user.auth_session_id)
        _sign_in(user, remember=False)
        flash(f"Welcome to Waymark, {user.name}. Your account is ready.", "success")
        return redirect(url_for("core.home.home"))
    return render_template("core/accounts/accept_invitation.html", form=form, invitation=invitation)
