"""Workplace observations: planned by the allocated assessor, recorded and signed, acknowledged by the
candidate.

The signed record is bound to the SHA-256 of its canonical text (record_hash) and becomes evidence in the
candidate's portfolio (an observation item mapped to the observed criteria), in the same transaction as
the audit rows of recording and signing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import select

from assessors.permissions import can_acknowledge, may_assess
from assessors.queries import candidate_rows
from assessors.services import flush_or_conflict
from assessors.workplace.models import (
    OBSERVATION_COMMENTABLE,
    Observation,
    ObservationStatus,
    ObservedCriterion,
)
from assessors.workplace.services.signoffs import new_record_keys, signature_problem, studied_module
from core.accounts.models import User
from core.audit.services import record
from core.db.timeutil import UK, long_date, uk_today, utcnow
from core.drafts.models import Fields
from core.drafts.services import DraftSave, save_form_draft
from core.errors import EditConflict, InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.notifications.services import notify
from portfolio.evidence.models import ItemKind
from portfolio.records.services import add_assessor_record
from portfolio.submissions.services import module_criteria
from qualification.cohorts.queries import cohort_about
from qualification.membership.queries import require_writable

MAX_SCHOOL = 200
MAX_TEXT = 20_000
MAX_COMMENT = 4_000
JUDGEMENTS = {"met": "Met", "not_yet_met": "Not yet met"}
NOT_ASSESSOR = "Only the assessor allocated to this candidate can plan and record their observations."
NOT_CANDIDATE = "Only the candidate observed can acknowledge the record."
STALE = (
    "This observation changed since you opened it (perhaps in another window). Nothing was saved; "
    "your text is still in the form below. Reload to see the latest, then sign again."
)


def _audit(action: str, actor, observation: Observation, role: str = "assessor", **details) -> None:
    record(
        action,
        actor=actor,
        actor_role=role,
        obj=observation,
        details={
            "candidate_id": observation.candidate_id,
            "module": f"{observation.family}/{observation.module_code}",
            "status": observation.status,
            "record_hash": observation.record_hash,
            **details,
        },
    )


def plan_observation(
    actor,
    *,
    candidate_id: int,
    family: str,
    module_code: str,
    planned_for: date | None,
    school: str,
    focus_md: str,
    refs: list[str],
) -> Observation:
    """Plan a visit: when, where, what will be observed and which of the module's criteria."""
    enrolment, keys = new_record_keys(actor, candidate_id, family, module_code, NOT_ASSESSOR)
    errors: dict[str, str] = {}
    school, focus_md = (school or "").strip(), (focus_md or "").strip()
    if not isinstance(planned_for, date):
        errors["planned_for"] = "Enter the date of the observation."
    elif planned_for < uk_today():
        errors["planned_for"] = "The date of a planned observation cannot be in the past."
    if not school:
        errors["school"] = "Enter the school where the observation takes place."
    elif len(school) > MAX_SCHOOL:
        errors["school"] = f"Keep the school under {MAX_SCHOOL} characters."
    if not focus_md:
        errors["focus_md"] = "Say what will be observed."
    elif len(focus_md) > MAX_TEXT:
        errors["focus_md"] = f"Keep it under {MAX_TEXT:,} characters."
    known = [r for r, _text in module_criteria(enrolment.module_id)]
    chosen = set(refs or ())
    if not chosen:
        errors["criteria"] = "Choose at least one criterion to observe."
    elif not chosen <= set(known):
        errors["criteria"] = "Choose criteria of this module."
    if errors:
        raise ValidationFailed(errors)
    observation = Observation(
        **keys,
        planned_for=planned_for,
        school=school,
        focus_md=focus_md,
        criteria_refs=" ".join(r for r in known if r in chosen),
        status=ObservationStatus.PLANNED,
    )
    db.session.add(observation)
    db.session.flush()
    _audit(
        "observation_planned", actor, observation, planned_for=planned_for.isoformat(), refs=observation.refs
    )
    planned = f"Observation planned: {module_code} on {long_date(planned_for)}"
    _tell(
        candidate_id,
        observation,
        "observation_planned",
        planned,
        f"{actor.name} will observe you at {school}.",
    )
    return observation


def cancel_observation(actor, observation: Observation, *, expected_version: int | None = None) -> None:
    """Cancel a planned observation."""
    require(may_assess(actor, observation.cohort_id, observation.candidate_id), NOT_ASSESSOR)
    if expected_version is not None and expected_version != observation.version:
        raise EditConflict(STALE)
    observation.move_to(ObservationStatus.CANCELLED)
    flush_or_conflict("observation")
    _audit("observation_cancelled", actor, observation)
    cancelled = f"Observation cancelled: {observation.module_code} on {long_date(observation.planned_for)}"
    _tell(observation.candidate_id, observation, "observation_cancelled", cancelled, cancelled=True)


def record_fields(observation: Observation) -> dict:
    """The record as signed: every field the signature covers."""
    return {
        "observation": observation.id,
        "candidate_id": observation.candidate_id,
        "assessor_id": observation.assessor_id,
        "module": f"{observation.family}/{observation.module_code}",
        "planned_for": observation.planned_for.isoformat(),
        "observed_on": observation.observed_on.isoformat() if observation.observed_on else None,
        "school": observation.school,
        "focus": observation.focus_md,
        "narrative": observation.narrative_md,
        "criteria": [[c.criterion_ref, c.judgement, c.comment] for c in observation.criteria],
        "signed_name": observation.signed_name,
    }


def record_hash(observation: Observation) -> str:
    """SHA-256 of the canonical JSON of the signed record."""
    canonical = json.dumps(
        record_fields(observation), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_markdown(observation: Observation, candidate_name: str, module_title: str) -> str:
    """The record as the candidate's portfolio shows it."""
    criteria = "\n".join(
        f"- **{c.criterion_ref}**: {JUDGEMENTS[c.judgement].lower()}."
        + (f" {c.comment}" if c.comment else "")
        for c in observation.criteria
    )
    return (
        f"Workplace observation of {candidate_name} for {observation.module_code} {module_title}.\n\n"
        f"- School: {observation.school}\n"
        f"- Observed on: {long_date(observation.observed_on)}\n"
        f"- Signed by the assessor: {observation.signed_name}\n\n"
        f"## What was to be observed\n\n{observation.focus_md}\n\n"
        f"## What the assessor saw\n\n{observation.narrative_md}\n\n"
        f"## Criteria observed\n\n{criteria}\n\n"
        f"Record fingerprint (SHA-256): `{observation.record_hash}`\n"
    )


def record_observation(
    actor,
    observation: Observation,
    *,
    expected_version: int | None,
    observed_on: date | None,
    narrative_md: str,
    judgements: Mapping[str, tuple[str | None, str]],
    signed_name: str,
    anonymised: bool,
) -> Observation:
    """Write up and sign a planned observation; the record becomes evidence in the candidate's portfolio."""
    require(may_assess(actor, observation.cohort_id, observation.candidate_id), NOT_ASSESSOR)
    if expected_version is not None and expected_version != observation.version:
        raise EditConflict(STALE)
    if observation.status != ObservationStatus.PLANNED:
        observation.move_to(ObservationStatus.RECORDED)  # raises InvalidTransition with the reason
    errors: dict[str, str] = {}
    narrative_md = (narrative_md or "").strip()
    if not isinstance(observed_on, date):
        errors["observed_on"] = "Enter the date of the observation."
    elif observed_on > uk_today():
        errors["observed_on"] = "The date of the observation cannot be in the future."
    if not narrative_md:
        errors["narrative_md"] = "Write what you saw."
    elif len(narrative_md) > MAX_TEXT:
        errors["narrative_md"] = f"Keep it under {MAX_TEXT:,} characters."
    rows = []
    for ref in observation.refs:
        judgement, comment = judgements.get(ref, (None, ""))
        comment = (comment or "").strip()
        if judgement not in JUDGEMENTS:
            errors.setdefault("judgements", f"Choose met or not yet met for {ref}.")
        elif len(comment) > MAX_COMMENT:
            errors.setdefault("judgements", f"Keep the comment on {ref} under {MAX_COMMENT:,} characters.")
        rows.append(ObservedCriterion(criterion_ref=ref, judgement=judgement, comment=comment))
    if not anonymised:
        errors["anonymised"] = "Confirm that no pupil can be identified from the record."
    if problem := signature_problem(actor, signed_name):
        errors["signed_name"] = problem
    if errors:
        raise ValidationFailed(errors)
    observation.move_to(ObservationStatus.RECORDED)
    # The record is the signer's: after a reallocation that is not the assessor who planned the visit.
    observation.assessor_id = actor.id
    observation.observed_on = observed_on
    observation.narrative_md = narrative_md
    observation.criteria = rows
    observation.signed_name = " ".join(signed_name.split())
    observation.recorded_at = utcnow()
    observation.record_hash = record_hash(observation)
    flush_or_conflict("observation")
    candidate = db.session.get(User, observation.candidate_id)
    enrolment = studied_module(observation.candidate_id, observation.family, observation.module_code)
    item = add_assessor_record(
        actor,
        candidate_id=observation.candidate_id,
        kind=ItemKind.OBSERVATION,
        title=f"Observation: {observation.module_code} {long_date(observed_on)}",
        body_md=record_markdown(observation, candidate.name, enrolment.module.title),
        activity_date=observed_on,
        criteria=[(observation.family, observation.module_code, c.criterion_ref) for c in rows],
        notes={c.criterion_ref: f"Observed: {JUDGEMENTS[c.judgement].lower()}." for c in rows},
        anonymised=True,
        source=f"observation:{observation.id}",
    )
    observation.item_id = item.id
    flush_or_conflict("observation")
    judged = {c.criterion_ref: c.judgement for c in rows}
    _audit("observation_recorded", actor, observation, judgements=judged, item_id=item.id)
    _audit(
        "observation_signed",
        actor,
        observation,
        signed_name=observation.signed_name,
        content_hash=item.current.content_hash,
    )
    ready = f"Your observation record for {observation.module_code} is ready to acknowledge"
    _tell(observation.candidate_id, observation, "observation_recorded", ready)
    return observation


def record_key(observation_id: int) -> str:
    """The form draft of an observation's record, being written."""
    return f"observation-record:{observation_id}"


def record_draft_fields(observation: Observation) -> dict[str, int]:
    """What a draft of the record keeps, with the most characters of each: the date, what was seen and each
    criterion's judgement and comment. The pupil confirmation and the signature are acts of signing, made
    when the record is signed, so they are not kept."""
    judged = {f"{name}_{i}": limit for i in range(len(observation.refs)) for name, limit in _JUDGED}
    return {"observed_on": 10, "narrative_md": MAX_TEXT, **judged}


_JUDGED = (("judgement", 12), ("comment", MAX_COMMENT))


def save_record_draft(
    actor, observation: Observation, fields: Fields, base_revision: int | None
) -> DraftSave:
    """Keep the record the assessor is writing, as they type, while the observation waits to be recorded."""
    require(may_assess(actor, observation.cohort_id, observation.candidate_id), NOT_ASSESSOR)
    if observation.status != ObservationStatus.PLANNED:
        raise InvalidTransition(f"This observation is {observation.status}; its record is no longer written.")
    key, limits = record_key(observation.id), record_draft_fields(observation)
    return save_form_draft(actor, key, fields, base_revision=base_revision, limits=limits)


def _comment_problem(comment: str) -> str | None:
    return f"Keep your comment under {MAX_COMMENT:,} characters." if len(comment) > MAX_COMMENT else None


def _append(observation: Observation, comment: str) -> None:
    stamp = datetime.now(UK).strftime("%-d %b %Y")
    observation.candidate_comment = "\n\n".join(
        part for part in (observation.candidate_comment, f"{stamp}: {comment}") if part
    )


def _tell_assessor(actor, observation: Observation, comment: str, *, acknowledged: bool) -> None:
    """The assessor reads what the candidate wrote about their record (in the app and by email)."""
    if not comment or observation.assessor_id is None:
        return
    did = "acknowledged" if acknowledged else "commented on"
    said = f"{actor.name} {did} your {observation.module_code} observation record"
    said += " with a comment" if acknowledged else ""
    _tell(observation.assessor_id, observation, "observation_comment", said, comment)


def _tell(
    user_id: int, observation: Observation, kind: str, title: str, body: str = "", cancelled=False
) -> None:
    """Notify someone about the observation, naming its cohort, with a link to it (to the candidate's
    workplace page once it is cancelled)."""
    link = {"observation_id": observation.id} if not cancelled else {}
    endpoint = "assessors.workplace.my_workplace" if cancelled else "assessors.workplace.show_observation"
    notify(
        user_id,
        kind=kind,
        about=cohort_about(observation.cohort_id),
        title=title,
        body=body,
        link_endpoint=endpoint,
        **link,
    )


def acknowledge_observation(
    actor, observation: Observation, *, comment: str = "", expected_version: int | None = None
) -> None:
    """The candidate acknowledges the signed record (optionally with a comment)."""
    require(can_acknowledge(actor, observation), NOT_CANDIDATE)
    require_writable(actor, observation.cohort_id)
    comment = (comment or "").strip()
    if problem := _comment_problem(comment):
        raise ValidationFailed({"comment": problem})
    if expected_version is not None and expected_version != observation.version:
        raise EditConflict(STALE)
    observation.move_to(ObservationStatus.ACKNOWLEDGED)
    observation.acknowledged_at = utcnow()
    if comment:
        _append(observation, comment)
    flush_or_conflict("observation")
    _audit("observation_acknowledged", actor, observation, role="candidate", comment=comment)
    _tell_assessor(actor, observation, comment, acknowledged=True)


def comment_on_observation(actor, observation: Observation, *, comment: str) -> None:
    """The candidate adds a comment to a recorded observation without acknowledging it yet."""
    require(can_acknowledge(actor, observation), NOT_CANDIDATE)
    require_writable(actor, observation.cohort_id)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed({"comment": "Write your comment."})
    if problem := _comment_problem(comment):
        raise ValidationFailed({"comment": problem})
    if observation.status not in OBSERVATION_COMMENTABLE:
        raise ValidationFailed({"comment": "You can comment once the record is written."})
    _append(observation, comment)
    flush_or_conflict("observation")
    _audit("observation_commented", actor, observation, role="candidate", comment=comment)
    _tell_assessor(actor, observation, comment, acknowledged=False)


# Queries ---------------------------------------------------------------------------------------------


def observed_criteria(
    candidate_id: int, family: str, module_code: str
) -> dict[str, list[tuple[Observation, ObservedCriterion]]]:
    """Signed observations of the candidate in a module, by criterion ref, oldest first (one query)."""
    found: dict[str, list[tuple[Observation, ObservedCriterion]]] = {}
    rows = db.session.execute(
        select(Observation, ObservedCriterion)
        .join(ObservedCriterion, ObservedCriterion.observation_id == Observation.id)
        .where(
            Observation.candidate_id == candidate_id,
            Observation.family == family,
            Observation.module_code == module_code,
            Observation.status.in_([ObservationStatus.RECORDED, ObservationStatus.ACKNOWLEDGED]),
        )
        .order_by(Observation.observed_on, Observation.id)
    )
    for observation, criterion in rows:
        found.setdefault(criterion.criterion_ref, []).append((observation, criterion))
    return found


def observations_of(candidate_id: int) -> list[Observation]:
    """The candidate's observations, newest plan first."""
    return candidate_rows(Observation, candidate_id, Observation.planned_for.desc(), Observation.id.desc())
