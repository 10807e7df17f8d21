"""Accreditation of prior learning (APL): claims against criteria, an outcome or a whole module, and the
award's APL cap.

The cap belongs to the award being studied. An award that includes another (the MA includes the PG Cert)
counts, against its own cap, the credits claimed for the included award's modules too: credit accredited
once towards the PG Cert is part of the MA.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict, Unpack

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from core.accounts.models import Role
from core.db.timeutil import utcnow
from core.drafts.models import Fields
from core.drafts.services import DraftSave, save_form_draft
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.notifications.services import notify
from modules.catalogue.models import Module
from portfolio.apl.models import AplClaim, AplEvidence, AplStatus
from portfolio.apl.rules import (
    CHANGE_FIELDS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    NEW_FIELDS,
    claim_key,
    new_claim_key,
)
from portfolio.evidence.models import EvidenceItem
from portfolio.permissions import CLAIM_SENDABLE
from portfolio.services import audit_candidate, tell_leader_of_unallocated
from qualification.cohorts.models import LEFT, Cohort, MemberRole
from qualification.cohorts.queries import candidate_cohorts, cohort_about, cohort_roles
from qualification.membership.queries import require_writable
from qualification.spec import Spec
from qualification.versions.services import spec_of_version

# Claims that use up the cap: everything sent to the assessor and not rejected.
COUNTING = (AplStatus.SUBMITTED, AplStatus.ACCEPTED, AplStatus.PARTLY_ACCEPTED, AplStatus.MORE_EVIDENCE)
SCOPES = ("criteria", "outcome", "module")
TEXTS = ("awarding_body", "certificate_title", "experience_md", "own_part_md")
IN_COHORT = "You can claim prior learning only in your cohort."


def can_claim_apl(user, cohort: Cohort) -> bool:
    """Claim prior learning in a cohort: its candidates, for themselves, on an award (not CPD)."""
    return (
        user.is_authenticated
        and user.has_role(Role.CANDIDATE)
        and cohort.award_code is not None
        and any(m.user_id == user.id and m.role == MemberRole.CANDIDATE for m in cohort.members)
    )


@dataclass(frozen=True)
class AplCap:
    """An award's APL cap for one candidate: the most credits by APL, and those already used."""

    award_code: str
    award_title: str
    max_credits: int
    used: int
    module_codes: frozenset[str]

    @property
    def left(self) -> int:
        return max(0, self.max_credits - self.used)


def award_module_codes(spec: Spec, award_code: str) -> list[str]:
    """The modules of an award and of every award it includes (directly or through others), in order."""
    awards = {a.code: a for a in spec.awards}
    codes: list[str] = []
    seen: set[str] = set()
    todo = [award_code]
    while todo:
        award = awards.get(todo.pop(0))
        if award is None or award.code in seen:
            continue
        seen.add(award.code)
        places = [*award.compulsory, *(c for g in award.options for c in g.modules)]
        codes += [c for c in places if c not in codes]
        todo += list(award.includes)
    return codes


def claim_credits(module_credits: int, scope: str, claimed: int, total: int) -> int:
    """A claim's credits: the module's for a whole module, else its share of the criteria (half up)."""
    if scope == "module" or total <= 0:
        return module_credits
    return (2 * module_credits * claimed + total) // (2 * total)


def apl_cap(candidate_id: int, cohort: Cohort, *, excluding: int | None = None) -> AplCap | None:
    """The cap of the cohort's award and the candidate's credits counting against it (None for CPD)."""
    if cohort.award_code is None:
        return None
    version = cohort.qualification_version
    spec = spec_of_version(version)
    award = next((a for a in spec.awards if a.code == cohort.award_code), None)
    if award is None:
        return None
    codes = frozenset(award_module_codes(spec, award.code))
    query = select(func.coalesce(func.sum(AplClaim.credits), 0)).where(
        AplClaim.candidate_id == candidate_id,
        AplClaim.family == version.qualification.code,
        AplClaim.module_code.in_(codes),
        AplClaim.status.in_([s.value for s in COUNTING]),
    )
    if excluding is not None:
        query = query.where(AplClaim.id != excluding)
    used = int(db.session.scalar(query) or 0)
    return AplCap(award.code, award.title, award.apl_max_credits, used, codes)


def cap_message(credits: int, cap: AplCap) -> str:
    """Why a claim is over the cap, with the numbers."""
    return (
        f"This claim is for {credits} credits; the award allows {cap.max_credits} credits by APL "
        f"and you have {cap.left} left."
    )


def module_of(cohort: Cohort, module_code: str) -> Module | None:
    """The revision of a module that the cohort's qualification version uses."""
    link = next((m for m in cohort.qualification_version.module_links if m.code == module_code), None)
    return link.module if link else None


def claims_of(candidate_id: int) -> list[AplClaim]:
    """The candidate's claims, newest first."""
    return list(
        db.session.scalars(
            select(AplClaim)
            .where(AplClaim.candidate_id == candidate_id)
            .options(selectinload(AplClaim.evidence).joinedload(AplEvidence.version))
            .order_by(AplClaim.created_at.desc(), AplClaim.id.desc())
        )
    )


def _claimed_refs(module: Module, scope: str, refs: Iterable[str], outcome_ref: str | None) -> list[str]:
    all_refs = [c.ref for o in module.outcomes for c in o.criteria]
    if scope == "module":
        return all_refs
    if scope == "outcome":
        outcome = next((o for o in module.outcomes if o.ref == (outcome_ref or "").strip()), None)
        if outcome is None:
            raise ValidationFailed({"outcome": "Choose the learning outcome you are claiming."})
        return [c.ref for c in outcome.criteria]
    wanted = {r.strip() for r in refs if r and r.strip()}
    unknown = sorted(wanted - set(all_refs))
    if unknown:
        raise ValidationFailed({"criteria": f"{module.code} has no criterion {', '.join(unknown)}."})
    if not wanted:
        raise ValidationFailed({"criteria": "Choose at least one criterion you are claiming."})
    return [r for r in all_refs if r in wanted]


def _already_claimed(candidate_id: int, family: str, module_code: str, refs: list[str], excluding=None):
    claims = db.session.scalars(
        select(AplClaim).where(
            AplClaim.candidate_id == candidate_id,
            AplClaim.family == family,
            AplClaim.module_code == module_code,
            AplClaim.status.in_([s.value for s in COUNTING]),
        )
    )
    return sorted({r for c in claims if c.id != excluding for r in c.refs if r in refs})


def _evidence_versions(actor, item_ids: Iterable[int]) -> list[int]:
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        return []
    items = list(
        db.session.scalars(
            select(EvidenceItem).where(
                EvidenceItem.id.in_(ids),
                EvidenceItem.candidate_id == actor.id,
                EvidenceItem.deleted_at.is_(None),
            )
        )
    )
    if len(items) != len(ids) or any(i.current_version_id is None for i in items):
        raise ValidationFailed({"evidence": "Choose evidence items from your own portfolio."})
    return [i.current_version_id for i in items]


def _check_details(level, credits, awarded_on, texts: dict[str, str]) -> None:
    errors: dict[str, str] = {}
    if level is not None and not 1 <= level <= 8:
        errors["certificate_level"] = "Enter a level from 1 to 8."
    if credits is not None and not 0 <= credits <= 540:
        errors["certificate_credits"] = "Enter the certificate's credits, from 0 to 540."
    if awarded_on is not None and awarded_on > date.today():  # noqa: DTZ011 - a calendar date, UK
        errors["awarded_on"] = "The date awarded cannot be in the future."
    errors |= {name: "This text is too long." for name, value in texts.items() if len(value) > MAX_TEXT_CHARS}
    if errors:
        raise ValidationFailed(errors)


def _audit(action: str, actor, claim: AplClaim, **details) -> None:
    """The audit row of the claimant's move on their claim: which module, for how many credits."""
    audit_candidate(action, actor, claim, module_code=claim.module_code, credits=claim.credits, **details)


class ClaimDetails(TypedDict, total=False):
    """What a claim puts forward, as the claim form sends it: a certificate, or experience with evidence."""

    awarding_body: str
    certificate_title: str
    certificate_level: int | None
    certificate_credits: int | None
    awarded_on: date | None
    certificate: Any  # the stored upload (its sha256 and name), when a file was chosen
    experience_md: str
    own_part_md: str
    evidence_item_ids: Iterable[int]


def _content(actor, details: ClaimDetails) -> tuple[dict[str, Any], list[int]]:
    """The claim's columns from what the form sent, and the evidence versions chosen; refused unless it
    gives a certificate, or experience with evidence."""
    text = {name: (details.get(name) or "").strip() for name in TEXTS}
    level, credits = details.get("certificate_level"), details.get("certificate_credits")
    _check_details(
        level,
        credits,
        details.get("awarded_on"),
        {"experience": text["experience_md"], "own_part": text["own_part_md"]},
    )
    versions = _evidence_versions(actor, details.get("evidence_item_ids", ()))
    if not (text["certificate_title"] and text["awarding_body"]) and not (text["experience_md"] and versions):
        raise ValidationFailed(
            "Give a prior certificate (its title and awarding body), or describe your experience and "
            "choose at least one evidence item."
        )
    columns = {
        **text,
        "awarding_body": text["awarding_body"][:MAX_TITLE_CHARS],
        "certificate_title": text["certificate_title"][:MAX_TITLE_CHARS],
        "certificate_level": level,
        "certificate_credits": credits,
        "awarded_on": details.get("awarded_on"),
    }
    if (certificate := details.get("certificate")) is not None:
        columns |= {"certificate_sha256": certificate.sha256, "certificate_file_name": certificate.name}
    return columns, versions


def draft_claim(
    actor,
    *,
    cohort_id: int,
    module_code: str,
    scope: str,
    refs: Iterable[str] = (),
    outcome_ref: str | None = None,
    **details: Unpack[ClaimDetails],
) -> AplClaim:
    """Write a draft claim for prior learning; refused when it would go over the award's APL cap."""
    cohort = db.session.get(Cohort, cohort_id)
    require_writable(actor, cohort_id)
    require(cohort is not None and can_claim_apl(actor, cohort), IN_COHORT)
    module = module_of(cohort, module_code)
    cap = apl_cap(actor.id, cohort)
    if module is None or cap is None or module_code not in cap.module_codes:
        raise ValidationFailed({"": f"{module_code} is not part of {cohort.award_code}."})
    if scope not in SCOPES:
        raise ValidationFailed({"scope": "Choose what you are claiming: criteria, an outcome or the module."})
    claimed = _claimed_refs(module, scope, refs, outcome_ref)
    columns, versions = _content(actor, details)
    family = cohort.qualification_version.qualification.code
    overlap = _already_claimed(actor.id, family, module_code, claimed)
    if overlap:
        raise ValidationFailed({"": f"You have already claimed {', '.join(overlap)}."})
    total = sum(len(o.criteria) for o in module.outcomes)
    credits = claim_credits(module.credits, scope, len(claimed), total)
    if credits > cap.left:
        raise ValidationFailed({"": cap_message(credits, cap)})
    claim = AplClaim(
        candidate_id=actor.id,
        cohort_id=cohort.id,
        family=family,
        module_code=module_code,
        scope=scope,
        criteria_refs=" ".join(claimed),
        credits=credits,
        **columns,
        status=AplStatus.DRAFT,
        evidence=[AplEvidence(version_id=v) for v in versions],
    )
    db.session.add(claim)
    db.session.flush()
    _audit("apl_claim_drafted", actor, claim, scope=scope, refs=claimed)
    return claim


def change_claim(actor, claim: AplClaim, **details: Unpack[ClaimDetails]) -> AplClaim:
    """Change what a claim puts forward while it is a draft or more evidence was asked for (a certificate
    file not chosen again is kept); what it claims stays (a different claim is a new claim)."""
    _require_changeable(actor, claim)
    columns, versions = _content(actor, details)
    changed = sorted(name for name, value in columns.items() if getattr(claim, name) != value)
    for name in changed:
        setattr(claim, name, columns[name])
    kept = {e.version_id for e in claim.evidence}
    # Rows of versions still chosen stay (the pair is unique); the others go, the new ones are added.
    claim.evidence = [e for e in claim.evidence if e.version_id in versions]
    claim.evidence += [AplEvidence(version_id=v) for v in versions if v not in kept]
    added, removed = sorted(set(versions) - kept), sorted(kept - set(versions))
    if not (changed or added or removed):
        return claim
    flag_modified(claim, "module_code")  # the evidence alone changed: the claim's version still moves on
    db.session.flush()
    _audit("apl_claim_changed", actor, claim, changed=changed, versions_added=added, versions_removed=removed)
    return claim


def _require_changeable(actor, claim: AplClaim) -> None:
    require(claim.candidate_id == actor.id, "Only the claimant can change their claim.")
    if claim.status not in CLAIM_SENDABLE:
        raise InvalidTransition(
            "This claim is with the assessor or decided; it can be changed only as a draft or when more "
            "evidence is asked for."
        )


def save_new_claim_draft(
    actor, cohort: Cohort, module_code: str, fields: Fields, base_revision: int | None
) -> DraftSave:
    """Keep what the candidate is typing into a new claim for a module, as they type."""
    require(can_claim_apl(actor, cohort), IN_COHORT)
    key = new_claim_key(cohort.id, module_code)
    return save_form_draft(actor, key, fields, base_revision=base_revision, limits=NEW_FIELDS)


def save_claim_changes_draft(actor, claim: AplClaim, fields: Fields, base_revision: int | None) -> DraftSave:
    """Keep what the candidate is typing into the changes to their claim, as they type."""
    _require_changeable(actor, claim)
    key = claim_key(claim.id)
    return save_form_draft(actor, key, fields, base_revision=base_revision, limits=CHANGE_FIELDS)


def submit_claim(actor, claim: AplClaim) -> None:
    """Send a draft claim (or one asked for more evidence) to the assessor, if it still fits the cap."""
    require(claim.candidate_id == actor.id, "Only the claimant can submit their claim.")
    if claim.status not in CLAIM_SENDABLE:
        raise InvalidTransition("This claim has already been submitted.")
    cohort = db.session.get(Cohort, claim.cohort_id) if claim.cohort_id else None
    require_writable(actor, claim.cohort_id)
    require(cohort is not None and can_claim_apl(actor, cohort), IN_COHORT)
    cap = apl_cap(actor.id, cohort, excluding=claim.id)
    if cap is None or claim.credits > cap.left:
        raise ValidationFailed(cap_message(claim.credits, cap) if cap else "This cohort has no APL.")
    overlap = _already_claimed(actor.id, claim.family, claim.module_code, claim.refs, excluding=claim.id)
    if overlap:
        raise ValidationFailed(f"You have already claimed {', '.join(overlap)}.")
    claim.move_to(AplStatus.SUBMITTED)
    claim.submitted_at = utcnow()
    _audit("apl_claim_submitted", actor, claim, cap_left=cap.left - claim.credits)
    assessor_id = allocated_assessor_for_claim(claim)
    if assessor_id is not None:
        notify(
            assessor_id,
            kind="apl_claim_received",
            title=f"{actor.name} claimed prior learning for {claim.module_code} ({claim.credits} credits)",
            about=cohort_about(claim.cohort_id),
            link_endpoint="portfolio.submissions.show_claim",
            claim_id=claim.id,
        )
    elif claim.cohort_id is not None:
        db.session.flush()
        tell_leader_of_unallocated(claim.cohort_id, actor, f"claimed prior learning for {claim.module_code}")
    db.session.flush()


def allocated_assessor_for_claim(claim: AplClaim) -> int | None:
    """The assessor allocated to the claimant in the claim's cohort."""
    return cohort_roles(claim.cohort_id, claim.candidate_id).allocated_assessor_id


def apl_cohorts(user_id: int) -> list[Cohort]:
    """The award cohorts the person is a candidate in, newest first (APL is claimed in one of them), less
    those they have left."""
    return candidate_cohorts(user_id, awards_only=True, newest_first=True, leaving_out=LEFT)
