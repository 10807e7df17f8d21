"""Qualification use cases: import a spec as a new version, publish, and rebuild a version's spec."""

from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from core.audit.services import record
from core.db.timeutil import utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from modules.catalogue.models import AssessmentCriterion, CriterionMethod, LearningOutcome, Module
from qualification.permissions import can_edit_qualifications
from qualification.spec import (
    AwardSpec,
    CriterionSpec,
    ModuleSpec,
    OptionGroupSpec,
    OutcomeSpec,
    Spec,
    SpecInvalid,
    parse_spec,
    spec_to_document,
)
from qualification.versions.models import (
    Award,
    AwardRule,
    OptionGroup,
    OptionGroupModule,
    Qualification,
    QualificationVersion,
    VersionModule,
    VersionStatus,
)

RULE_KINDS = ("compulsory", "includes", "progression")


def _module_hash(module: ModuleSpec) -> str:
    # The module's own part of an exported document, canonically serialised.
    probe = Spec(code="X", title="x", provider=None, modules=(module,), awards=())
    canonical = json.dumps(spec_to_document(probe)["modules"][0], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _module_revision(family: str, spec: ModuleSpec) -> Module:
    """An existing identical revision of this module, or a new revision built from the spec."""
    digest = _module_hash(spec)
    existing = db.session.scalar(
        select(Module).where(Module.family == family, Module.code == spec.code, Module.content_hash == digest)
    )
    if existing is not None:
        return existing
    latest = db.session.scalar(
        select(func.max(Module.revision)).where(Module.family == family, Module.code == spec.code)
    )
    module = Module(
        family=family,
        code=spec.code,
        revision=(latest or 0) + 1,
        title=spec.title,
        level=spec.level,
        credits=spec.credits,
        summary_md=spec.summary,
        cpd=spec.cpd,
        content_hash=digest,
    )
    for o_pos, outcome in enumerate(spec.outcomes):
        row = LearningOutcome(position=o_pos, ref=outcome.ref, text=outcome.text)
        for c_pos, criterion in enumerate(outcome.criteria):
            c_row = AssessmentCriterion(position=c_pos, ref=criterion.ref, text=criterion.text)
            c_row.method_rows = [
                CriterionMethod(position=i, method=m) for i, m in enumerate(criterion.methods)
            ]
            row.criteria.append(c_row)
        module.outcomes.append(row)
    db.session.add(module)
    return module


def _award_row(position: int, spec: AwardSpec) -> Award:
    award = Award(
        position=position,
        code=spec.code,
        title=spec.title,
        level=spec.level,
        credits=spec.credits,
        apl_max_credits=spec.apl_max_credits,
    )
    for kind, codes in (
        ("compulsory", spec.compulsory),
        ("includes", spec.includes),
        ("progression", spec.progression),
    ):
        award.rule_rows.extend(AwardRule(kind=kind, code=code, position=i) for i, code in enumerate(codes))
    for g_pos, group in enumerate(spec.options):
        row = OptionGroup(
            position=g_pos, title=group.title, min_credits=group.min_credits, max_credits=group.max_credits
        )
        row.module_rows = [OptionGroupModule(code=code, position=i) for i, code in enumerate(group.modules)]
        award.option_groups.append(row)
    return award


def import_spec(actor, spec: Spec, *, publish: bool = False) -> QualificationVersion:
    """Store a validated spec as the next version of its qualification (a draft unless publish)."""
    require(actor is None or can_edit_qualifications(actor), "Only course leaders can import qualifications.")
    qualification = db.session.scalar(select(Qualification).where(Qualification.code == spec.code))
    if qualification is None:
        qualification = Qualification(code=spec.code)
        db.session.add(qualification)
        db.session.flush()
    number = (
        db.session.scalar(
            select(func.max(QualificationVersion.number)).where(
                QualificationVersion.qualification_id == qualification.id
            )
        )
        or 0
    ) + 1
    now = utcnow()
    version = QualificationVersion(
        qualification=qualification,
        number=number,
        status=VersionStatus.PUBLISHED if publish else VersionStatus.DRAFT,
        title=spec.title,
        provider=spec.provider,
        created_by_id=getattr(actor, "id", None),
        published_at=now if publish else None,
    )
    db.session.add(version)
    for position, module_spec in enumerate(spec.modules):
        module = _module_revision(spec.code, module_spec)
        version.module_links.append(VersionModule(module=module, code=module_spec.code, position=position))
    version.awards = [_award_row(i, a) for i, a in enumerate(spec.awards)]
    db.session.flush()
    record(
        "qualification_imported",
        actor=actor,
        actor_role="course_leader" if actor is not None else None,
        obj=version,
        details={
            "code": spec.code,
            "version": number,
            "status": version.status,
            "modules": len(spec.modules),
            "awards": len(spec.awards),
        },
    )
    return version


def problems_for_publishing(version: QualificationVersion) -> list[str]:
    """Every rule of the spec format the version breaks (an award that cannot be satisfied included)."""
    try:
        parse_spec(spec_to_document(spec_of_version(version)))
    except SpecInvalid as exc:
        return exc.problems
    return []


def publish_version(actor, version: QualificationVersion) -> None:
    """Publish a draft: from now on it never changes, and cohorts can enrol on it.

    Raises SpecInvalid when the draft breaks a rule: what is published is always a valid spec.
    """
    require(can_edit_qualifications(actor), "Only course leaders can publish qualifications.")
    if version.status != VersionStatus.DRAFT:
        raise InvalidTransition(
            f"Version {version.number} is {version.status}, so it cannot be published again."
        )
    problems = problems_for_publishing(version)
    if problems:
        raise SpecInvalid(problems)
    version.move_to(VersionStatus.PUBLISHED)
    version.published_at = utcnow()
    record(
        "qualification_published",
        actor=actor,
        actor_role="course_leader",
        obj=version,
        details={"code": version.qualification.code, "version": version.number},
    )
    db.session.flush()


def _load_tree(version: QualificationVersion) -> None:
    # One query per level of the tree instead of one per module, outcome and criterion.
    db.session.execute(
        select(QualificationVersion)
        .where(QualificationVersion.id == version.id)
        .options(
            selectinload(QualificationVersion.module_links)
            .joinedload(VersionModule.module)
            .selectinload(Module.outcomes)
            .selectinload(LearningOutcome.criteria)
            .selectinload(AssessmentCriterion.method_rows),
            selectinload(QualificationVersion.awards).selectinload(Award.rule_rows),
            selectinload(QualificationVersion.awards)
            .selectinload(Award.option_groups)
            .selectinload(OptionGroup.module_rows),
            joinedload(QualificationVersion.qualification),
        )
    ).unique().all()


def spec_of_version(version: QualificationVersion) -> Spec:
    """The spec a version was built from (exporting an imported version gives the same document back)."""
    _load_tree(version)
    modules = tuple(
        ModuleSpec(
            code=link.code,
            title=link.module.title,
            level=link.module.level,
            credits=link.module.credits,
            summary=link.module.summary_md,
            cpd=link.module.cpd,
            outcomes=tuple(
                OutcomeSpec(
                    ref=o.ref,
                    text=o.text,
                    criteria=tuple(
                        CriterionSpec(ref=c.ref, text=c.text, methods=tuple(m.value for m in c.methods))
                        for c in o.criteria
                    ),
                )
                for o in link.module.outcomes
            ),
        )
        for link in version.module_links
    )
    awards = tuple(
        AwardSpec(
            code=a.code,
            title=a.title,
            level=a.level,
            credits=a.credits,
            apl_max_credits=a.apl_max_credits,
            compulsory=tuple(a.codes("compulsory")),
            options=tuple(
                OptionGroupSpec(
                    title=g.title,
                    modules=tuple(g.module_codes),
                    min_credits=g.min_credits,
                    max_credits=g.max_credits,
                )
                for g in a.option_groups
            ),
            includes=tuple(a.codes("includes")),
            progression=tuple(a.codes("progression")),
        )
        for a in version.awards
    )
    return Spec(
        code=version.qualification.code,
        title=version.title,
        provider=version.provider,
        modules=modules,
        awards=awards,
    )


CODE_PATTERN = re.compile(r"[A-Z0-9-]{2,20}")


def create_qualification(actor, *, code: str, title: str, provider: str | None) -> QualificationVersion:
    """Start a new qualification as an empty draft (version 1) to fill in with modules and awards."""
    require(can_edit_qualifications(actor), "Only course leaders can create qualifications.")
    code = (code or "").strip().upper()
    errors = _details_problems(title, provider)
    if not CODE_PATTERN.fullmatch(code):
        errors["code"] = "Use 2 to 20 capital letters, digits or hyphens, for example CCQ."
    elif db.session.scalar(select(Qualification.id).where(Qualification.code == code)) is not None:
        errors["code"] = (
            f"A qualification with code {code} exists already. Import or edit a new version of it."
        )
    if errors:
        raise ValidationFailed(errors)
    qualification = Qualification(code=code)
    version = QualificationVersion(
        qualification=qualification,
        number=1,
        status=VersionStatus.DRAFT,
        title=title,
        provider=provider or None,
        created_by_id=actor.id,
    )
    db.session.add_all([qualification, version])
    db.session.flush()
    record(
        "qualification_created",
        actor=actor,
        actor_role="course_leader",
        obj=version,
        details={"code": code, "title": title, "provider": provider},
    )
    return version


def _details_problems(title: str, provider: str | None) -> dict[str, str]:
    errors = {}
    if not title or not title.strip() or len(title) > 200:
        errors["title"] = "Give the qualification a title of up to 200 characters."
    if provider and len(provider) > 200:
        errors["provider"] = "Keep the provider's name to 200 characters."
    return errors


def update_details(
    actor, version: QualificationVersion, *, title: str, provider: str | None, expected: int
) -> None:
    """Change a draft's title and provider; a stale form (someone saved first) is refused."""
    require(can_edit_qualifications(actor), "Only course leaders can edit qualifications.")
    if version.status != VersionStatus.DRAFT:
        raise InvalidTransition("Published versions never change; start a new draft to change the title.")
    if version.version != expected:
        raise InvalidTransition(
            "Someone else changed this version since you opened it. Reload, then try again."
        )
    errors = _details_problems(title, provider)
    if errors:
        raise ValidationFailed(errors)
    before = {"title": version.title, "provider": version.provider}
    version.title = title
    version.provider = provider or None
    db.session.flush()
    record(
        "qualification_details_changed",
        actor=actor,
        actor_role="course_leader",
        obj=version,
        details={"before": before, "after": {"title": title, "provider": version.provider}},
    )
