"""Single sign-on pages (`core.sso`): off to the provider, back from it, and back from signing out there."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from core.accounts.services.sessions import end_session
from core.extensions import db
from core.sso.forms import StartSignInForm
from core.sso.rules import Provider
from core.sso.services.accounts import record_refusal, sign_in_with
from core.sso.services.oidc import (
    SignInRefused,
    begin,
    finish,
    forget_signout_offer,
    provider_named,
    remember_provider_session,
    take_next_url,
)
from core.web.access import PUBLIC, rule
from core.web.security import is_safe_next
from core.web.signin import complete_sign_in

bp = Blueprint("sso", __name__, url_prefix="/login/sso")


def _provider_or_404(name: str) -> Provider:
    provider = provider_named(name)
    if provider is None:
        abort(404)
    return provider


def _refused(provider: Provider, refusal: SignInRefused, subject: str | None = None):
    """Back to the sign-in page with the reason; nothing signed in, only the audit row kept."""
    db.session.rollback()
    record_refusal(provider, refusal, subject)
    db.session.commit()
    flash(str(refusal), "error")
    return redirect(url_for("core.accounts.login"))


@bp.route("/<name>", methods=["POST"])
@rule(PUBLIC)
def start(name: str):
    provider = _provider_or_404(name)
    form = StartSignInForm()
    if not form.validate_on_submit():
        abort(400)
    target = form.next.data or ""
    try:
        return begin(provider, next_url=target if is_safe_next(target) else "")
    except SignInRefused as refusal:
        return _refused(provider, refusal)


@bp.route("/<name>/callback")
@rule(PUBLIC)
def callback(name: str):
    provider = _provider_or_404(name)
    subject = None
    try:
        assertion = finish(provider)
        subject = assertion.subject
        try:
            user = sign_in_with(assertion)
        except IntegrityError:
            # The same person's first sign-in twice at once: the other one linked them; use its link.
            db.session.rollback()
            user = sign_in_with(assertion)
    except SignInRefused as refusal:
        return _refused(provider, refusal, subject)
    target = take_next_url()
    if current_user.is_authenticated:
        # Someone else was signed in on this browser: their session ends here, as on accepting an invitation.
        end_session(current_user, current_user.auth_session_id)
    # The provider's own sign-in policy (its multi-factor step) stands for Waymark's second factor.
    complete_sign_in(user, remember=False, second_factor="sso")
    remember_provider_session(assertion)
    flash(f"Signed in as {user.name} with {provider.label}.", "success")
    return redirect(target if is_safe_next(target) else url_for("core.home.home"))


@bp.route("/<name>/signed-out")
@rule(PUBLIC)
def signed_out(name: str):
    provider = _provider_or_404(name)
    forget_signout_offer()
    flash(f"You have also signed out of {provider.label}.", "info")
    return redirect(url_for("core.accounts.login"))
