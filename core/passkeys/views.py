"""Passkey pages (`passkeys` blueprint): the two WebAuthn ceremonies as JSON for static/js/app.js (adding a
passkey while signed in, confirming a held sign-in with one), and removing one. Pages work without them:
the authenticator app's codes remain the way in."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user

from core.accounts.services.sessions import LoginThrottled
from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db
from core.mfa.services.common import CodeRefused
from core.passkeys.forms import AddPasskeyForm, RemovePasskeyForm
from core.passkeys.queries import own_passkey_or_404
from core.passkeys.rules import decode, encode, site_of
from core.passkeys.services import (
    add_passkey,
    begin_adding_passkey,
    remove_passkey,
    sign_in_options,
    verify_passkey,
)
from core.web.access import PUBLIC, SIGNED_IN, rule
from core.web.signin import (
    THROTTLED,
    check_submitted,
    client_ip,
    complete_sign_in,
    pending_sign_in,
    pending_user,
    refused_page,
    target_after,
)

bp = Blueprint("passkeys", __name__)
# The multi-factor page shows the form to add one without its view knowing passkeys exist.
bp.add_app_template_global(AddPasskeyForm, "passkey_add_form")

# One ceremony at a time per browser: its challenge, whose it is and what for; spent when the answer comes.
CEREMONY_KEY = "passkey_ceremony"
START_AGAIN = "That took too long or was started elsewhere. Start again."


def _site():
    return site_of(current_app.config["WAYMARK_BASE_URL"])


def _problem(message: str, status: int, **extra):
    headers = {"Retry-After": str(extra.pop("retry_minutes") * 60)} if "retry_minutes" in extra else {}
    return jsonify(error=message, **extra), status, headers


def _json_attempt(call):
    """Call one service and commit, or answer the refusal as JSON (a refused code is kept, like a form's)."""
    try:
        result = call()
        db.session.commit()
    except LoginThrottled as exc:
        db.session.rollback()
        return None, _problem(THROTTLED.format(minutes=exc.minutes), 429, retry_minutes=exc.minutes)
    except CodeRefused as exc:
        db.session.commit()
        return None, _problem(str(exc), 422, errors=exc.errors)
    except ValidationFailed as exc:
        db.session.rollback()
        return None, _problem(str(exc), 422, errors=exc.errors)
    except InvalidTransition as exc:
        db.session.rollback()
        return None, _problem(str(exc), 409)
    return result, None


def _start(purpose: str, user_id: int, options_and_challenge, name: str = ""):
    options, challenge = options_and_challenge
    session[CEREMONY_KEY] = {
        "purpose": purpose,
        "user_id": user_id,
        "challenge": encode(challenge),
        "name": name,
    }
    return current_app.response_class(options, mimetype="application/json")


def _finish(purpose: str, user_id: int):
    """The challenge (and the name) of this browser's ceremony, spent; None when there is none to finish."""
    held = session.pop(CEREMONY_KEY, None)
    if not isinstance(held, dict) or held.get("purpose") != purpose or held.get("user_id") != user_id:
        return None
    return decode(held["challenge"]), held.get("name", "")


def _credential():
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


@bp.route("/account/mfa/passkeys/options", methods=["POST"])
@rule(SIGNED_IN)
def add_options():
    form = AddPasskeyForm()
    if not form.validate_on_submit():
        errors = {name: messages[0] for name, messages in form.errors.items()}
        return _problem(next(iter(errors.values())), 422, errors=errors)
    site, name = _site(), form.name.data.strip()
    options, failed = _json_attempt(
        lambda: begin_adding_passkey(current_user, site, name=name, typed=form.code.data, ip=client_ip())
    )
    return failed or _start("add", current_user.id, options, name)


@bp.route("/account/mfa/passkeys", methods=["POST"])
@rule(SIGNED_IN)
def add():
    held, credential = _finish("add", current_user.id), _credential()
    if held is None or credential is None:
        return _problem(START_AGAIN, 400)
    challenge, name = held
    key, failed = _json_attempt(
        lambda: add_passkey(current_user, _site(), credential=credential, challenge=challenge, name=name)
    )
    if failed:
        return failed
    flash(f"Passkey \u201c{key.name}\u201d added. We have emailed you to say so.", "success")
    return jsonify(redirect=url_for("core.mfa.overview"))


@bp.route("/account/mfa/passkeys/<int:passkey_id>/remove", methods=["GET", "POST"])
@rule(SIGNED_IN)
def remove(passkey_id: int):
    key = own_passkey_or_404(current_user, passkey_id)
    form = RemovePasskeyForm()
    name = key.name
    outcome = check_submitted(
        form, lambda: remove_passkey(current_user, key, password=form.password.data, ip=client_ip())
    )
    if outcome:
        flash(f"Passkey \u201c{name}\u201d removed.", "success")
        return redirect(url_for("core.mfa.overview"))
    return refused_page(outcome, "core/passkeys/remove.html", form=form, key=key)


def _held_sign_in():
    pending = pending_sign_in()
    return pending, pending_user(pending)


def _sign_in_again():
    return _problem("Sign in again.", 400, redirect=url_for("core.accounts.login"))


@bp.route("/login/passkey/options", methods=["POST"])
@rule(PUBLIC)
def sign_in_options_view():
    _, user = _held_sign_in()
    if user is None:
        return _sign_in_again()
    options, failed = _json_attempt(lambda: sign_in_options(user, _site()))
    return failed or _start("sign_in", user.id, options)


@bp.route("/login/passkey", methods=["POST"])
@rule(PUBLIC)
def sign_in():
    pending, user = _held_sign_in()
    if user is None:
        return _sign_in_again()
    held, credential = _finish("sign_in", user.id), _credential()
    if held is None or credential is None:
        return _problem(START_AGAIN, 400)
    challenge, _ = held
    verified, failed = _json_attempt(
        lambda: verify_passkey(user, _site(), credential=credential, challenge=challenge, ip=client_ip())
    )
    if failed:
        return failed
    complete_sign_in(user, remember=pending.remember, second_factor=verified.method)
    flash(f"Signed in as {user.name}.", "success")
    return jsonify(redirect=target_after(pending))
