"""A candidate's enrolment through a cohort: the modules they study follow from the award and their choice."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import delete, select

from core.audit.services import record
from core.db.timeutil import long_date
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from modules.study.services import enrol, withdraw
from qualification.cohorts.models import Cohort, CohortMember, MemberRole
from qualification.membership.queries import require_writable
from qualification.pathway.models import PathwayChoice
from qualification.pathway.rules import PathwayCheck, check_pathway
from qualification.spec import Spec
from qualification.versions.services import spec_of_version


def _award_and_spec(cohort: Cohort):
    spec = spec_of_version(cohort.qualification_version)
    award = next((a for a in spec.awards if a.code == cohort.award_code), None)
    return award, spec


def chosen_codes(member: CohortMember) -> list[str]:
    """The optional modules this candidate has chosen, in the order they chose them."""
    return list(
        db.session.scalars(
            select(PathwayChoice.module_code)
            .where(PathwayChoice.member_id == member.id)
            .order_by(PathwayChoice.position, PathwayChoice.id)
        )
    )


def pathway_status(member: CohortMember, chosen: list[str] | None = None) -> tuple[PathwayCheck | None, Spec]:
    """The rules check of a candidate's (stored or proposed) choice; None for a CPD cohort."""
    award, spec = _award_and_spec(member.cohort)
    if award is None:
        return None, spec
    return check_pathway(award, spec, chosen_codes(member) if chosen is None else chosen), spec


def _required_modules(member: CohortMember) -> list[str]:
    cohort = member.cohort
    if cohort.module_code:
        return [cohort.module_code]
    check, spec = pathway_status(member)
    if check is not None and check.ok:
        return list(check.modules)
    # Until the choice is complete the candidate starts on what every pathway shares: the compulsory modules.
    award = next(a for a in spec.awards if a.code == cohort.award_code)
    by_code = {a.code: a for a in spec.awards}
    codes: list[str] = []
    stack = [award]
    while stack:
        current = stack.pop(0)
        stack += [by_code[c] for c in current.includes if c in by_code]
        codes += [c for c in current.compulsory if c not in codes]
    return codes


def sync_enrolments(member: CohortMember) -> list[str]:
    """Enrol the candidate on every module their pathway needs; withdraw from dropped options."""
    cohort = member.cohort
    version = cohort.qualification_version
    links = {link.code: link for link in version.module_links}
    required = _required_modules(member)
    family = version.qualification.code
    for code in required:
        enrol(
            member.user_id,
            family=family,
            module_code=code,
            module_id=links[code].module_id,
            cohort_id=cohort.id,
        )
    dropped = [code for code in links if code not in required]
    withdraw(member.user_id, family=family, module_codes=dropped)
    return required


NOT_SAVED = (
    "Your choice is not saved: it does not meet the award's rules yet. Sort out what is listed, then save."
)


def choose_options(actor, member: CohortMember, codes: list[str], *, today: date) -> PathwayCheck:
    """Save a candidate's choice of optional modules if it meets the award's rules, before the deadline."""
    require(member.user_id == actor.id and member.role == MemberRole.CANDIDATE, "Only the candidate chooses.")
    require_writable(actor, member.cohort_id)
    cohort = member.cohort
    if cohort.module_code:
        raise InvalidTransition("This is a single-module CPD cohort: there are no options to choose.")
    if cohort.choice_deadline and today > cohort.choice_deadline:
        raise InvalidTransition(
            f"Options could be changed until {long_date(cohort.choice_deadline)}. "
            "Ask your course leader if you need to change them now."
        )
    check, _ = pathway_status(member, codes)
    if not check.ok:
        # What to sort out is on the page already (the summary and each group); this says what happened.
        raise ValidationFailed({"options": NOT_SAVED})
    before = chosen_codes(member)
    wanted = list(dict.fromkeys(c for c in codes if c))
    db.session.execute(delete(PathwayChoice).where(PathwayChoice.member_id == member.id))
    db.session.add_all(
        PathwayChoice(member_id=member.id, module_code=c, position=i) for i, c in enumerate(wanted)
    )
    db.session.flush()
    # A module chosen may need an observation planned, by nobody if the candidate has no assessor: the course
    # leader hears of it once (the portfolio watches the cohort's Unallocated work; registered by the app).
    watching = [
        watch(actor, cohort.id) for watch in current_app.extensions.get("waymark_unallocated_watch", [])
    ]
    sync_enrolments(member)
    added = [c for c in wanted if c not in before]
    for tell in watching:
        tell(f"chose {', '.join(added) or 'their optional modules'}")
    record(
        "pathway_chosen",
        actor=actor,
        actor_role="candidate",
        obj=cohort,
        details={"member_id": member.id, "before": before, "after": wanted},
    )
    return check
