"""Multi-factor sign-in pages (`mfa` blueprint): the code asked for after the password, setting up an
authenticator app, new recovery codes, turning it off, and an administrator's reset. Its gate keeps a
signed-in person whose role needs a second factor on the setup page until they have one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from core.accounts.models import User
from core.extensions import db
from core.forms import submit
from core.mfa.forms import CodeForm, ConfirmForm, ResetForm, SetupForm
from core.mfa.permissions import can_reset_mfa
from core.mfa.queries import app_of, has_second_factor, mfa_state, passkeys_of, required_for
from core.mfa.rules import grouped, is_secret, new_secret, provisioning_uri, qr_data_uri
from core.mfa.services.factors import (
    regenerate_recovery_codes,
    reset_mfa,
    turn_off,
    turn_on_app,
    verify_second_factor,
)
from core.web.access import ADMIN, PUBLIC, SIGNED_IN, rule
from core.web.signin import (
    SECOND_FACTOR_KEY,
    check_submitted,
    client_ip,
    complete_sign_in,
    drop_pending_sign_in,
    pending_sign_in,
    pending_user,
    refused_page,
    target_after,
)
from core.web.words import plural

bp = Blueprint("mfa", __name__)
bp.add_app_template_global(mfa_state, "mfa_state")
bp.add_app_template_global(can_reset_mfa, "can_reset_mfa")

# The secret shown on the setup page, kept until a code from it is confirmed (then sealed in the database).
SETUP_SECRET_KEY = "mfa_setup_secret"  # noqa: S105 - the name of a session key, not a secret
# While a signed-in person's role needs a second factor they do not have, only these pages open.
OPEN_DURING_SETUP = frozenset(
    {
        "static",
        "core.mfa.setup",
        "core.mfa.verify",
        "core.mfa.cancel",
        "core.accounts.logout",
        "core.home.ping",
        "core.home.health",
    }
)


@bp.before_app_request
def _second_factor_gate():
    """A signed-in person whose role needs a second factor, and who has none, sets one up first."""
    if request.endpoint is None or request.endpoint in OPEN_DURING_SETUP:
        return None
    if not current_user.is_authenticated or session.get(SECOND_FACTOR_KEY):
        return None
    if not required_for(current_user):
        return None
    if has_second_factor(current_user.id):
        # Signed in before it was required, or from a remembered device: nothing to ask again here.
        session[SECOND_FACTOR_KEY] = "held"
        return None
    flash("Your role needs multi-factor sign-in. Set it up to carry on.", "info")
    return redirect(url_for("core.mfa.setup"))


def _sign_in_again():
    flash("Sign in again: the page waited too long for your code, or the sign-in was cancelled.", "info")
    return redirect(url_for("core.accounts.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@rule(PUBLIC)
def verify():
    if current_user.is_authenticated:
        return redirect(url_for("core.home.home"))
    pending = pending_sign_in()
    user = pending_user(pending)
    if user is None:
        return _sign_in_again()
    if not has_second_factor(user.id):
        return redirect(url_for("core.mfa.setup"))
    form = CodeForm()
    outcome = check_submitted(form, lambda: verify_second_factor(user, form.code.data, client_ip()))
    if outcome:
        verified = outcome.result
        complete_sign_in(user, remember=pending.remember, second_factor=verified.method)
        flash(f"Signed in as {user.name}.", "success")
        if verified.method == "recovery":
            left = plural(verified.codes_left, "recovery code")
            flash(f"You used a recovery code: {left} left. Make new ones from your account page.", "warning")
        return redirect(target_after(pending))
    form.code.data = ""
    return refused_page(outcome, "core/mfa/verify.html", form=form, has_passkeys=bool(passkeys_of(user.id)))


@bp.route("/login/code/cancel", methods=["POST"])
@rule(PUBLIC)
def cancel():
    drop_pending_sign_in()
    session.pop(SETUP_SECRET_KEY, None)
    flash("Sign-in cancelled.", "info")
    return redirect(url_for("core.accounts.login"))


def _setting_up():
    """Who is setting up an app: the signed-in person, or a held sign-in that needs a second factor."""
    if current_user.is_authenticated:
        return current_user, None
    pending = pending_sign_in()
    return pending_user(pending), pending


@bp.route("/account/mfa/setup", methods=["GET", "POST"])
@rule(PUBLIC)
def setup():
    user, pending = _setting_up()
    if user is None:
        return _sign_in_again()
    if pending is not None and has_second_factor(user.id):
        # A password alone never adds a factor to an account that has one: prove the one it has.
        return redirect(url_for("core.mfa.verify"))
    if app_of(user.id) is not None:
        flash("Your authenticator app is already set up.", "info")
        return redirect(url_for("core.mfa.overview"))
    secret = session.get(SETUP_SECRET_KEY)
    if not is_secret(secret):
        secret = session[SETUP_SECRET_KEY] = new_secret()
    form = SetupForm()
    outcome = submit(form, lambda: turn_on_app(user, secret=secret, typed=form.code.data))
    if outcome:
        session.pop(SETUP_SECRET_KEY, None)
        if pending is not None:
            complete_sign_in(user, remember=pending.remember, second_factor="app")
            after = target_after(pending)
        else:
            session[SECOND_FACTOR_KEY] = "app"
            after = url_for("core.mfa.overview")
        if outcome.result:
            return render_template(
                "core/mfa/recovery_codes.html", codes=outcome.result, after=after, new=True
            )
        flash("Your authenticator app is set up.", "success")
        return redirect(after)
    form.code.data = ""
    return render_template(
        "core/mfa/setup.html",
        form=form,
        user=user,
        pending=pending,
        required=required_for(user),
        secret=grouped(secret),
        qr=qr_data_uri(provisioning_uri(secret, user.email)),
    ), outcome.status


@bp.route("/account/mfa")
@rule(SIGNED_IN)
def overview():
    return render_template("core/mfa/overview.html", state=mfa_state(current_user))


def _confirmed(service, action: str):
    """Ask for the password and a code, and run `service` with them: its outcome, and the page to show
    again when it was not done (`action` says which of the confirm page's texts)."""
    form = ConfirmForm()
    outcome = check_submitted(
        form,
        lambda: service(current_user, password=form.password.data, typed=form.code.data, ip=client_ip()),
    )
    if outcome:
        return outcome, None
    form.code.data = ""
    return outcome, refused_page(
        outcome, "core/mfa/confirm.html", form=form, action=action, state=mfa_state(current_user)
    )


@bp.route("/account/mfa/recovery-codes", methods=["GET", "POST"])
@rule(SIGNED_IN)
def new_recovery_codes():
    outcome, again = _confirmed(regenerate_recovery_codes, "codes")
    if again:
        return again
    return render_template(
        "core/mfa/recovery_codes.html", codes=outcome.result, after=url_for("core.mfa.overview"), new=False
    )


@bp.route("/account/mfa/off", methods=["GET", "POST"])
@rule(SIGNED_IN)
def turn_off_mfa():
    _, again = _confirmed(turn_off, "off")
    if again:
        return again
    session.pop(SECOND_FACTOR_KEY, None)
    flash("Multi-factor sign-in is off. We have emailed you to say so.", "success")
    return redirect(url_for("core.mfa.overview"))


@bp.route("/admin/accounts/<int:user_id>/mfa/reset", methods=["GET", "POST"])
@rule(ADMIN)
def reset(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ResetForm()
    outcome = submit(form, lambda: reset_mfa(current_user, user, reason=form.reason.data))
    if outcome:
        again = "at their next sign-in" if required_for(user) else "from their account page if they wish"
        flash(
            f"Multi-factor sign-in of {user.name} is reset and they are signed out everywhere. We have "
            f"emailed them; they set it up again {again}.",
            "success",
        )
        return redirect(url_for("core.people.show_account", user_id=user.id))
    return render_template("core/mfa/reset.html", form=form, user=user, state=mfa_state(user)), outcome.status
