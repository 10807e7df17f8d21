"""Witness testimony: a one-time link to a named person at the school, bound to one evidence version.

The raw token exists only in the email (256 bits from `secrets`); the database keeps its SHA-256, so a
leaked database opens no link. A link works once, for 14 days, until revoked. The testimony covers the
version the witness read (its content hash): if the evidence changes afterwards, pages say so.
There is no per-address throttle on the public page: guessing a 256-bit token is not a practical attack,
and the login throttle's table only knows login and reset attempts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from assessors.permissions import can_manage_request, can_request_testimony, may_assess
from assessors.witness.models import LinkState, WitnessRequest, WitnessStatus
from assessors.workplace.services.signoffs import studied_module
from core.accounts.models import User
from core.accounts.rules import hash_token, new_token
from core.accounts.services.sessions import is_valid_email, normalise_email
from core.audit.services import record
from core.db.timeutil import UK, long_date, utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.mail.rules import SECRET
from core.mail.services import queue_template_mail
from core.notifications.services import notify
from core.web.urls import absolute_url
from portfolio.evidence.models import EvidenceItem, EvidenceVersion, ItemKind
from portfolio.records.services import add_assessor_record
from portfolio.submissions.services import active_enrolments, module_criteria
from qualification.membership.queries import require_writable

LINK_DAYS = 14
MAX_NAME = 200
MAX_COMMENT = 4_000
WITNESSABLE = (ItemKind.FILE, ItemKind.ACCOUNT, ItemKind.LINK, ItemKind.DISCUSSION)
NOT_YOURS = "Only the candidate or their allocated assessor can ask for testimony on this evidence."


GONE = {
    LinkState.USED: "This link has already been used. Each link works once; thank you if that was you.",
    LinkState.EXPIRED: (
        "This link has expired. Ask the person who sent it for a new one if it is still needed."
    ),
    LinkState.REVOKED: "This link was withdrawn by the person who sent it. Nothing more is needed from you.",
}


def _audit(action: str, actor, req: WitnessRequest, role: str, **details) -> None:
    record(
        action,
        actor=actor,
        actor_role=role,
        obj=req,
        details={
            "candidate_id": req.candidate_id,
            "item_id": req.item_id,
            "version_id": req.version_id,
            "version_hash": req.version_hash,
            "module": f"{req.family}/{req.module_code}",
            **details,
        },
    )


def _text(value: str | None, field: str, label: str, errors: dict[str, str], *, required=True) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        errors[field] = f"Enter {label}."
    elif len(value) > MAX_NAME:
        errors[field] = f"Keep {label} under {MAX_NAME} characters."
    return value


def _chosen_criteria(refs: Iterable[str], module_code: str, enrolment, errors: dict[str, str]) -> list[str]:
    """The ticked criteria in the module's order; a message in `errors` unless of one module studied."""
    chosen = list(dict.fromkeys(r.strip() for r in refs or () if r and r.strip()))
    if not chosen:
        errors["criteria"] = "Choose at least one criterion the witness can confirm."
    elif not module_code:
        errors["criteria"] = "Choose criteria of one module only."
    elif enrolment is None:
        errors["criteria"] = "Choose criteria of one module you study."
    else:
        known = [r for r, _text in module_criteria(enrolment.module_id)]
        if not set(chosen) <= set(known):
            errors["criteria"] = "Choose criteria of one module only."
        chosen = [r for r in known if r in chosen]
    return chosen


def request_testimony(
    actor,
    item: EvidenceItem,
    *,
    family: str,
    module_code: str,
    refs: Iterable[str],
    witness_name: str,
    witness_email: str,
    witness_role: str,
) -> WitnessRequest:
    """Email a named witness a one-time link to confirm what the item's current version shows."""
    errors: dict[str, str] = {}
    try:
        enrolment = studied_module(item.candidate_id, family, module_code)
    except ValidationFailed:
        enrolment = None
    # Who may ask does not depend on what was ticked: with no module (nothing ticked, or two modules), the
    # assessor allocated to the candidate in any module they study gets the form back with the message.
    cohorts = (
        [enrolment.cohort_id] if enrolment else [m.cohort_id for m in active_enrolments(item.candidate_id)]
    )
    allocated = any(may_assess(actor, cohort_id, item.candidate_id) for cohort_id in cohorts)
    require(can_request_testimony(actor, item, allocated), NOT_YOURS)
    require_writable(actor)
    if item.kind not in WITNESSABLE or item.current is None:
        raise ValidationFailed("A witness can confirm your own evidence, not records others wrote.")
    chosen = _chosen_criteria(refs, module_code, enrolment, errors)
    name = _text(witness_name, "witness_name", "the witness's name", errors)
    role = _text(witness_role, "witness_role", "the witness's role", errors)
    email = normalise_email(witness_email)
    if not is_valid_email(email):
        errors["witness_email"] = "Enter the witness's email address."
    if errors:
        raise ValidationFailed(errors)
    raw, token_hash = new_token()
    version = item.current
    req = WitnessRequest(
        candidate_id=item.candidate_id,
        requested_by_id=actor.id,
        item_id=item.id,
        version_id=version.id,
        version_hash=version.content_hash,
        family=family,
        module_code=module_code,
        criteria_refs=" ".join(chosen),
        witness_name=name,
        witness_email=email,
        witness_role=role,
        token_hash=token_hash,
        expires_at=utcnow() + timedelta(days=LINK_DAYS),
        status=WitnessStatus.PENDING,
    )
    db.session.add(req)
    db.session.flush()
    candidate = db.session.get(User, item.candidate_id)
    link = absolute_url("assessors.witness.respond", token=SECRET)
    until = long_date(req.expires_at.astimezone(UK).date())
    queue_template_mail(
        email,
        f"Please confirm {candidate.name}'s evidence",
        "assessors/witness/mail/request",
        category="witness",
        name=name,
        candidate=candidate,
        role=role,
        module_code=module_code,
        link=link,
        secret=raw,
        until=until,
    )
    _audit(
        "witness_requested",
        actor,
        req,
        "candidate" if actor.id == item.candidate_id else "assessor",
        refs=req.refs,
        witness_name=name,
        witness_email=email,
        expires_at=req.expires_at.isoformat(),
    )
    return req


def find_request(token: str) -> WitnessRequest | None:
    """The request a link's token opens, if any (looked up by the token's hash)."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(WitnessRequest).where(WitnessRequest.token_hash == hash_token(token)))


def link_state(req: WitnessRequest, now: datetime) -> LinkState:
    """Open, or why the link no longer works: used, expired or revoked."""
    if req.status == WitnessStatus.REVOKED:
        return LinkState.REVOKED
    if req.status != WitnessStatus.PENDING:
        return LinkState.USED
    return LinkState.OPEN if req.is_open(now) else LinkState.EXPIRED


def _close(req: WitnessRequest, dst: WitnessStatus) -> None:
    now = utcnow()
    state = link_state(req, now)
    if state != LinkState.OPEN:
        raise InvalidTransition(GONE[state])
    req.close(dst, now)


def _response(name: str, role: str, comment: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    name = _text(name, "name", "your name", errors)
    role = _text(role, "role", "your role", errors)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = f"Keep your comment under {MAX_COMMENT:,} characters."
    if errors:
        raise ValidationFailed(errors)
    return name, role, comment


def testimony_markdown(req: WitnessRequest, version, refs: list[str], texts: dict[str, str]) -> str:
    """The testimony as the candidate's portfolio shows it."""
    day = long_date(req.responded_at.astimezone(UK).date())
    lines = "\n".join(f"- **{r}** {texts.get(r, '')}".rstrip() for r in refs)
    comment = f"\n\n## Comment\n\n{req.comment_md}" if req.comment_md else ""
    return (
        f"{req.response_name}, {req.response_role}, confirmed on {day} that the evidence shows:\n\n{lines}"
        f"{comment}\n\nThis testimony covers version {version.number} of '{version.title}' "
        f"(SHA-256 `{req.version_hash}`).\n"
    )


def confirm_testimony(
    req: WitnessRequest, *, refs: Iterable[str], name: str, role: str, comment: str
) -> None:
    """The witness confirms criteria the evidence shows; the testimony becomes evidence for the candidate."""
    chosen = [r for r in req.refs if r in set(refs or ())]
    try:
        name, role, comment = _response(name, role, comment)
    except ValidationFailed as exc:
        if not chosen:
            exc.errors["confirmed"] = "Tick at least one criterion you can confirm, or decline."
        raise
    if not chosen:
        raise ValidationFailed({"confirmed": "Tick at least one criterion you can confirm, or decline."})
    _close(req, WitnessStatus.CONFIRMED)
    req.response_name, req.response_role, req.comment_md = name, role, comment
    req.confirmed_refs = " ".join(chosen)
    version = db.session.get(EvidenceVersion, req.version_id)
    enrolment = studied_module(req.candidate_id, req.family, req.module_code)
    texts = dict(module_criteria(enrolment.module_id))
    item = add_assessor_record(
        None,
        candidate_id=req.candidate_id,
        kind=ItemKind.TESTIMONY,
        title=f"Witness testimony: {version.title}"[:200],
        body_md=testimony_markdown(req, version, chosen, texts),
        activity_date=req.responded_at.astimezone(UK).date(),
        criteria=[(req.family, req.module_code, r) for r in chosen],
        notes=dict.fromkeys(chosen, f"Confirmed by {name}, {role}."),
        anonymised=True,
        actor_role="witness",
        source=f"witness:{req.id}",
    )
    req.testimony_item_id = item.id
    db.session.flush()
    _audit(
        "witness_confirmed",
        None,
        req,
        "witness",
        confirmed=chosen,
        response_name=name,
        response_role=role,
        testimony_item_id=item.id,
        testimony_hash=item.current.content_hash,
    )
    _tell(req, f"{name} confirmed the evidence '{version.title}'")


def decline_testimony(req: WitnessRequest, *, name: str, role: str, comment: str) -> None:
    """The witness declines to confirm the evidence."""
    name, role, comment = _response(name, role, comment)
    _close(req, WitnessStatus.DECLINED)
    req.response_name, req.response_role, req.comment_md = name, role, comment
    db.session.flush()
    _audit("witness_declined", None, req, "witness", response_name=name, response_role=role, comment=comment)
    _tell(req, f"{name} declined to confirm a piece of evidence")


def _tell(req: WitnessRequest, title: str) -> None:
    notify(
        req.candidate_id,
        kind="witness_response",
        title=title,
        link_endpoint="assessors.workplace.my_workplace",
    )
    if req.requested_by_id and req.requested_by_id != req.candidate_id:
        notify(
            req.requested_by_id,
            kind="witness_response",
            title=title,
            link_endpoint="assessors.workplace.candidate_workplace",
            candidate_id=req.candidate_id,
        )


def revoke_request(actor, req: WitnessRequest) -> None:
    """Withdraw a pending link: it stops working at once."""
    require(can_manage_request(actor, req), "Only the candidate or their assessor can withdraw this link.")
    require_writable(actor)
    if req.status != WitnessStatus.PENDING:
        raise InvalidTransition(f"This request was already {req.status}; there is nothing to withdraw.")
    req.close(WitnessStatus.REVOKED, utcnow())
    db.session.flush()
    role = "candidate" if actor.id == req.candidate_id else "assessor"
    _audit("witness_revoked", actor, req, role)


# Queries ---------------------------------------------------------------------------------------------


def _newest_first(where) -> list[WitnessRequest]:
    """The witness requests that match, newest first."""
    return list(
        db.session.scalars(
            select(WitnessRequest)
            .where(where)
            .order_by(WitnessRequest.created_at.desc(), WitnessRequest.id.desc())
        )
    )


def requests_of(candidate_id: int) -> list[WitnessRequest]:
    """The candidate's witness requests, newest first."""
    return _newest_first(WitnessRequest.candidate_id == candidate_id)


@dataclass(frozen=True)
class Testimony:
    """A request with the version it covers, for pages: `changed` when the evidence moved on since."""

    request: WitnessRequest
    version: EvidenceVersion
    item: EvidenceItem

    @property
    def changed(self) -> bool:
        return self.item.current_version_id != self.request.version_id


def testimonies(requests: list[WitnessRequest]) -> list[Testimony]:
    """The requests with their versions and items (two statements)."""
    if not requests:
        return []
    versions = {
        v.id: v
        for v in db.session.scalars(
            select(EvidenceVersion).where(EvidenceVersion.id.in_({r.version_id for r in requests}))
        )
    }
    items = {
        i.id: i
        for i in db.session.scalars(
            select(EvidenceItem).where(EvidenceItem.id.in_({r.item_id for r in requests}))
        )
    }
    return [Testimony(r, versions[r.version_id], items[r.item_id]) for r in requests]


def requests_for_item(item_id: int) -> list[WitnessRequest]:
    """The witness requests about one item, newest first."""
    return _newest_first(WitnessRequest.item_id == item_id)
