"""The `witness` blueprint: asking for a witness testimony (the candidate from an item, the assessor from the
candidate's workplace page), withdrawing a link, and the public page a witness opens from their email.

The public page needs no account. It shows only the version asked about and the criteria, and, for a file,
a download of exactly that version's bytes through the same link; an unknown token is a plain 404, a used,
expired or withdrawn one a plain 410, so the page tells nothing more.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from assessors.permissions import can_manage_request, may_assess
from assessors.queries import modules_of
from assessors.witness import services as services
from assessors.witness.models import LinkState
from assessors.workplace.forms import ActionForm, WitnessRequestForm, WitnessResponseForm
from core.accounts.models import Role, User
from core.db.timeutil import utcnow
from core.errors import ValidationFailed
from core.extensions import db
from core.forms import submit
from core.web.access import PUBLIC, roles, rule
from portfolio.evidence.models import EvidenceItem, EvidenceVersion
from portfolio.files.services import download_response
from portfolio.permissions import owns

bp = Blueprint("witness", __name__, url_prefix="/witness")
CANDIDATES = roles(Role.CANDIDATE)
ASSESSORS = roles(Role.ASSESSOR)
PEOPLE = roles(Role.ASSESSOR, Role.CANDIDATE)


@bp.app_template_global()
def witness_testimonies(item_id: int) -> list[services.Testimony]:
    """The witness requests about an item, for its page (the item page belongs to the portfolio area)."""
    return services.testimonies(services.requests_for_item(item_id))


def _criteria_groups(modules: list[dict]) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (
            f"{m['code']} {m['title']}",
            [(f"{m['family']}/{m['code']}/{ref}", f"{ref} {text}") for ref, text in m["criteria"]],
        )
        for m in modules
    ]


def _one_module(values: list[str]) -> tuple[str, str, list[str]]:
    """(family, module, refs) of the ticked "family/module/ref" values; no module if they span several."""
    parsed = [tuple(v.split("/", 2)) for v in values if v.count("/") >= 2]
    modules = {(f, m) for f, m, _r in parsed}
    if len(modules) != 1:
        return "", "", [r for _f, _m, r in parsed]
    family, module = modules.pop()
    return family, module, [r for _f, _m, r in parsed]


def _witnessable(candidate_id: int) -> list[EvidenceItem]:
    return list(
        db.session.scalars(
            select(EvidenceItem)
            .where(
                EvidenceItem.candidate_id == candidate_id,
                EvidenceItem.deleted_at.is_(None),
                EvidenceItem.kind.in_([k.value for k in services.WITNESSABLE]),
            )
            .order_by(EvidenceItem.id.desc())
        )
    )


def _request_page(candidate: User, items: list[EvidenceItem], *, fixed: EvidenceItem | None, back: str):
    form = WitnessRequestForm()
    form.item.choices = [(str(i.id), f"{i.current.title} (version {i.current.number})") for i in items]
    modules = modules_of(candidate.id)
    if request.method == "GET" and fixed is not None:
        form.criteria.data = [f"{m.family}/{m.module_code}/{m.criterion_ref}" for m in fixed.mappings]

    def send() -> None:
        item = fixed or next((i for i in items if str(i.id) == form.item.data), None)
        family, module, refs = _one_module(form.criteria.data or [])
        if item is None:
            raise ValidationFailed({"item": "Choose a piece of the candidate's evidence."})
        services.request_testimony(
            current_user,
            item,
            family=family,
            module_code=module,
            refs=refs,
            witness_name=form.witness_name.data,
            witness_email=form.witness_email.data,
            witness_role=form.witness_role.data,
        )

    outcome = submit(form, send)
    if outcome:
        flash(f"We emailed {form.witness_name.data} a link. It works once, for 14 days.", "success")
        return redirect(back)
    status = outcome.status
    page = render_template(
        "assessors/witness/request.html",
        form=form,
        candidate=candidate,
        fixed=fixed,
        groups=_criteria_groups(modules),
        back=back,
    )
    return page, status


@bp.route("/items/<int:item_id>/request", methods=["GET", "POST"])
@rule(CANDIDATES)
def request_for_item(item_id: int):
    item = db.session.get(EvidenceItem, item_id)
    if item is None or not owns(current_user, item) or item.deleted_at is not None:
        abort(404)
    if item.kind not in services.WITNESSABLE:
        abort(404)
    back = url_for("portfolio.evidence.show_item", item_id=item.id, _anchor="testimonies")
    return _request_page(db.session.get(User, current_user.id), [item], fixed=item, back=back)


@bp.route("/candidates/<int:candidate_id>/request", methods=["GET", "POST"])
@rule(ASSESSORS)
def request_for_candidate(candidate_id: int):
    candidate = db.session.get(User, candidate_id)
    modules = modules_of(candidate_id) if candidate else []
    if not any(may_assess(current_user, m["cohort_id"], candidate_id) for m in modules):
        abort(404)
    back = url_for("assessors.workplace.candidate_workplace", candidate_id=candidate_id, _anchor="witness")
    return _request_page(candidate, _witnessable(candidate_id), fixed=None, back=back)


@bp.post("/requests/<int:request_id>/revoke")
@rule(PEOPLE)
def revoke_request(request_id: int):
    req = db.session.get(services.WitnessRequest, request_id)
    if req is None or not can_manage_request(current_user, req):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.revoke_request(current_user, req)
    db.session.commit()
    flash(f"The link to {req.witness_name} was withdrawn; it no longer works.", "success")
    if req.candidate_id == current_user.id:
        return redirect(url_for("assessors.workplace.my_workplace", _anchor="witness"))
    return redirect(
        url_for("assessors.workplace.candidate_workplace", candidate_id=req.candidate_id, _anchor="witness")
    )


# The public page -----------------------------------------------------------------------------------------


def _gone(reason: str):
    return render_template("assessors/witness/gone.html", message=services.GONE[reason]), 410


def _open_request(token: str):
    """The request behind a public link and None, or the page to show instead: 404 for an unknown token,
    410 once the link is used, expired or withdrawn."""
    req = services.find_request(token)
    if req is None:
        abort(404)
    state = services.link_state(req, utcnow())
    return req, (None if state == LinkState.OPEN else _gone(state))


@bp.get("/<token>/file")
@rule(PUBLIC)
def download_file(token: str):
    """The file of the version the witness was asked about (never the item's current one), as an attachment
    under the same rules as the page: 404 for an unknown token, 410 once it is used, expired or withdrawn."""
    req, gone = _open_request(token)
    if gone:
        return gone
    version = db.session.get(EvidenceVersion, req.version_id)
    if version is None or version.blob_sha256 is None:
        abort(404)
    return download_response(version.blob_sha256, version.file_name or "file")


@bp.route("/<token>", methods=["GET", "POST"])
@rule(PUBLIC)
def respond(token: str):
    req, gone = _open_request(token)
    if gone:
        return gone
    form = WitnessResponseForm()

    def answer() -> str:
        if request.form.get("action") == "decline":
            services.decline_testimony(
                req, name=form.name.data, role=form.role.data, comment=form.comment.data
            )
            return "You declined to confirm this evidence. Thank you for letting us know."
        services.confirm_testimony(
            req,
            refs=form.confirmed.data or [],
            name=form.name.data,
            role=form.role.data,
            comment=form.comment.data,
        )
        return "Thank you. Your testimony has been recorded."

    outcome = submit(form, answer, conflicts=True)
    if outcome:
        return render_template("assessors/witness/done.html", message=outcome.result)
    if outcome.conflict:
        req = services.find_request(token)
        return _gone(services.link_state(req, utcnow()) if req else LinkState.USED)
    status = outcome.status
    version = db.session.get(EvidenceVersion, req.version_id)
    modules = modules_of(req.candidate_id)
    texts = dict(next((m["criteria"] for m in modules if m["code"] == req.module_code), []))
    candidate = db.session.get(User, req.candidate_id)
    page = render_template(
        "assessors/witness/respond.html",
        req=req,
        version=version,
        candidate_name=candidate.name,
        texts=texts,
        form=form,
        file_url=url_for("assessors.witness.download_file", token=token) if version.blob_sha256 else None,
    )
    return page, status
