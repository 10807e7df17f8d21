"""Qualification use cases: import a spec as a new version, publish, and rebuild a version's spec."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from operator import attrgetter

from flask import current_app
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
from qualification.spec.words import problems_in_words
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


def next_revision(family: str, code: str) -> int:
    """The revision number a new revision of this module gets."""
    latest = db.session.scalar(
        select(func.max(Module.revision)).where(Module.family == family, Module.code == code)
    )
    return (latest or 0) + 1


def new_module_revision(family: str, spec: ModuleSpec, content_hash: str) -> Module:
    """A new revision of a module built from its spec, with outcomes and criteria in the spec's order."""
    module = Module(
        family=family,
        code=spec.code,
        revision=next_revision(family, spec.code),
        title=spec.title,
        level=spec.level,
        credits=spec.credits,
        summary_md=spec.summary,
        cpd=spec.cpd,
        content_hash=content_hash,
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


def _module_revision(family: str, spec: ModuleSpec) -> Module:
    """An existing identical revision of this module, or a new revision built from the spec."""
    digest = _module_hash(spec)
    existing = db.session.scalar(
        select(Module).where(Module.family == family, Module.code == spec.code, Module.content_hash == digest)
    )
    if existing is not None:
        return existing
    return new_module_revision(family, spec, digest)


def award_row(position: int, spec: AwardSpec) -> Award:
    """An award's rows (rules and option groups) built from its spec."""
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


def next_version_number(qualification: Qualification) -> int:
    """The number the qualification's next version gets."""
    latest = db.session.scalar(
        select(func.max(QualificationVersion.number)).where(
            QualificationVersion.qualification_id == qualification.id
        )
    )
    return (latest or 0) + 1


def import_spec(actor, spec: Spec, *, publish: bool = False) -> QualificationVersion:
    """Store a validated spec as the next version of its qualification (a draft unless publish)."""
    require(actor is None or can_edit_qualifications(actor), "Only course leaders can import qualifications.")
    qualification = db.session.scalar(select(Qualification).where(Qualification.code == spec.code))
    if qualification is None:
        qualification = Qualification(code=spec.code)
        db.session.add(qualification)
        db.session.flush()
    number = next_version_number(qualification)
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
    version.awards = [award_row(i, a) for i, a in enumerate(spec.awards)]
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
    """Every rule of the spec format the version breaks (an award that cannot be satisfied included), told
    by name for the course leader ("Award 'PG Certificate': ..."), not by the document's paths."""
    document = spec_to_document(spec_of_version(version))
    try:
        parse_spec(document)
    except SpecInvalid as exc:
        return problems_in_words(exc.problems, document)
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


def _load_tree(*versions: QualificationVersion) -> None:
    # One query per level of the tree (for any number of versions) instead of one per module, outcome and
    # criterion.
    db.session.execute(
        select(QualificationVersion)
        .where(QualificationVersion.id.in_([v.id for v in versions]))
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


def _heading(row: Module | Award) -> dict:
    # What a module and an award both have, under the same names in the spec.
    return {name: getattr(row, name) for name in ("code", "title", "level", "credits")}


def module_spec(module: Module) -> ModuleSpec:
    """A module revision in spec form, in its current (possibly unflushed) order."""
    return ModuleSpec(
        **_heading(module),
        summary=module.summary_md,
        cpd=module.cpd,
        outcomes=tuple(
            OutcomeSpec(
                ref=o.ref,
                text=o.text,
                criteria=tuple(
                    CriterionSpec(
                        ref=c.ref,
                        text=c.text,
                        methods=tuple(m.method for m in sorted(c.method_rows, key=attrgetter("position"))),
                    )
                    for c in sorted(o.criteria, key=attrgetter("position"))
                ),
            )
            for o in sorted(module.outcomes, key=attrgetter("position"))
        ),
    )


def group_spec(group: OptionGroup) -> OptionGroupSpec:
    """An award's option group in spec form."""
    return OptionGroupSpec(
        title=group.title,
        modules=tuple(group.module_codes),
        min_credits=group.min_credits,
        max_credits=group.max_credits,
    )


def award_spec(award: Award) -> AwardSpec:
    """An award in spec form."""
    return AwardSpec(
        **_heading(award),
        apl_max_credits=award.apl_max_credits,
        compulsory=tuple(award.codes("compulsory")),
        options=tuple(group_spec(group) for group in award.option_groups),
        includes=tuple(award.codes("includes")),
        progression=tuple(award.codes("progression")),
    )


def specs_of_versions(versions: Iterable[QualificationVersion]) -> dict[int, Spec]:
    """version id -> its spec, for several versions in the queries of one (the report across cohorts)."""
    distinct = list({v.id: v for v in versions}.values())
    if not distinct:
        return {}
    _load_tree(*distinct)
    return {v.id: spec_of_version(v, loaded=True) for v in distinct}


def spec_of_version(version: QualificationVersion, *, loaded: bool = False) -> Spec:
    """The spec a version was built from (exporting an imported version gives the same document back)."""
    if not loaded:
        _load_tree(version)
    modules = tuple(module_spec(link.module) for link in version.module_links)
    awards = tuple(award_spec(award) for award in version.awards)
    return Spec(
        code=version.qualification.code,
        title=version.title,
        provider=version.provider,
        modules=modules,
        awards=awards,
    )


# Specs of published versions kept per worker (a handful of qualifications, a few versions each).
PUBLISHED_SPECS_KEPT = 32


def published_spec(version: QualificationVersion) -> Spec:
    """spec_of_version, remembered per worker for a published or retired version: publishing freezes a
    version (its editor refuses changes, a module edit makes a new revision for the next draft), so its spec
    is the same on every request. A draft's is read each time. Kept by id and time of publishing, in the
    app, so a database recreated with the same ids (the tests) never gets another's spec."""
    if version.status == VersionStatus.DRAFT or version.published_at is None:
        return spec_of_version(version)
    kept: dict = current_app.extensions.setdefault("waymark_published_specs", {})
    key = (version.id, version.published_at)
    spec = kept.get(key)
    if spec is None:
        spec = spec_of_version(version)
        while len(kept) >= PUBLISHED_SPECS_KEPT:
            kept.pop(next(iter(kept)), None)
        kept[key] = spec
    return spec


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
