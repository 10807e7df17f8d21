"""Account administration (`admin` blueprint) and inviting people (`people` blueprint)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core.accounts.forms import AccountSearchForm, InviteForm, RolesForm
from core.accounts.models import ROLE_ORDER, Role, User
from core.accounts.permissions import can_manage_accounts, invitable_roles
from core.accounts.queries import last_sign_in, live_session_count, pending_invitations, search_accounts
from core.accounts.services.accounts import set_disabled, set_roles
from core.accounts.services.invitations import invite
from core.audit.models import AuditEvent
from core.errors import ValidationFailed
from core.extensions import db
from core.forms import submit
from core.web.access import ADMIN, STAFF_INVITERS, rule

bp = Blueprint("people", __name__)


def _role_choices() -> list[tuple[str, str]]:
    return [(r.value, r.label) for r in ROLE_ORDER]


@bp.route("/admin/accounts")
@rule(ADMIN)
def list_accounts():
    form = AccountSearchForm(request.args)
    form.role.choices = [("", "Any role"), *_role_choices()]
    filters = {"q": "", "role": "", "status": ""}
    if form.validate():
        filters = {"q": form.q.data or "", "role": form.role.data or "", "status": form.status.data or ""}
    page = search_accounts(**filters, after=request.args.get("after", ""))
    next_url = (
        url_for("core.people.list_accounts", **filters, after=page.next_after) if page.next_after else None
    )
    return render_template(
        "core/people/accounts.html", form=form, page=page, next_url=next_url, filters=filters
    )


@bp.route("/admin/accounts/<int:user_id>", methods=["GET", "POST"])
@rule(ADMIN)
def show_account(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RolesForm()
    outcome = submit(
        form,
        lambda: set_roles(current_user, user, _chosen_roles(), expected_version=int(form.version.data)),
        conflicts=True,
    )
    if outcome:
        flash(f"Roles of {user.name} saved.", "success")
        return redirect(url_for("core.people.show_account", user_id=user.id))
    if outcome.conflict:
        form.form_errors.append(outcome.conflict)
    # A tampered form (no version) is a bad request; the service's refusals are 422.
    status = 400 if outcome.status == 422 and outcome.message is None else outcome.status
    chosen = set(request.form.getlist("roles")) if request.method == "POST" else {r.value for r in user.roles}
    form.version.data = str(user.version) if request.method == "GET" else form.version.data
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "User", AuditEvent.object_id == str(user.id))
        .order_by(AuditEvent.seq.desc())
        .limit(20)
    ).all()
    return (
        render_template(
            "core/people/account.html",
            user=user,
            form=form,
            roles=ROLE_ORDER,
            chosen=chosen,
            sessions=live_session_count(user),
            last_sign_in=last_sign_in(user),
            events=events,
        ),
        status,
    )


def _chosen_roles() -> list[Role]:
    values = request.form.getlist("roles")
    known = {r.value for r in Role}
    if any(v not in known for v in values):
        raise ValidationFailed({"": "Choose roles from the list."})
    return [Role(v) for v in values]


@bp.route("/admin/accounts/<int:user_id>/disable", methods=["POST"])
@rule(ADMIN)
def disable_account(user_id: int):
    return _set_disabled(user_id, disabled=True)


@bp.route("/admin/accounts/<int:user_id>/enable", methods=["POST"])
@rule(ADMIN)
def enable_account(user_id: int):
    return _set_disabled(user_id, disabled=False)


def _set_disabled(user_id: int, *, disabled: bool):
    user = db.get_or_404(User, user_id)
    set_disabled(current_user, user, disabled=disabled)
    db.session.commit()
    if disabled:
        flash(f"{user.name}'s account is disabled and they have been signed out everywhere.", "success")
    else:
        flash(f"{user.name}'s account is enabled again.", "success")
    return redirect(url_for("core.people.show_account", user_id=user.id))


@bp.route("/people/invite", methods=["GET", "POST"])
@rule(STAFF_INVITERS)
def invite_person():
    form = InviteForm()
    form.role.choices = [(r.value, r.label) for r in invitable_roles(current_user)]
    if request.method == "GET" and request.args.get("role") in {v for v, _ in form.role.choices}:
        form.role.data = request.args["role"]
    submitted = submit(
        form,
        lambda: invite(current_user, email=form.email.data, name=form.name.data, role=Role(form.role.data)),
    )
    if submitted:
        outcome = submitted.result
        role_label = Role(form.role.data).label.lower()
        if outcome.granted:
            flash(
                f"{outcome.user.name} already had an account: they now have the {role_label} role too.",
                "success",
            )
        else:
            flash(
                f"Invitation sent to {outcome.user.email} as {role_label}. The link works for 7 days.",
                "success",
            )
        return redirect(url_for("core.people.invite_person"))
    inviter = None if can_manage_accounts(current_user) else current_user
    return render_template("core/people/invite.html", form=form, pending=pending_invitations(inviter))
