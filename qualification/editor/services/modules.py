"""Editing a draft's modules: copy-on-write revisions, module details, adding and removing modules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from core.audit.services import record
from core.errors import EditConflict, InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.validation import errors_of, title_rule
from modules.authoring.services.common import actor_role  # the role an editor acts in, too
from modules.catalogue.models import Module
from qualification.permissions import can_edit_qualifications
from qualification.spec import ModuleSpec
from qualification.spec.parse import MODULE_CREDITS_MAX, SUMMARY_MAX, TITLE_MAX
from qualification.spec.reader import CODE
from qualification.versions.models import QualificationVersion, VersionModule, VersionStatus
from qualification.versions.services import _module_hash, module_spec, new_module_revision

DENIED = "Only course leaders can change qualifications."
PUBLISHED_NEVER_CHANGE = (
    "Published versions never change, because candidates stay on the version they enrolled on. "
    "Start a new draft to change this module."
)
CONFLICT = (
    "Someone else saved this module since you opened it, so your change was not saved. "
    "The page now shows their changes; your text is still in the form, so check it and save again."
)


# Reading -------------------------------------------------------------------------------------------


def module_content_hash(module: Module) -> str:
    """The hash import uses to recognise an identical module, so an edited module stays recognisable."""
    return _module_hash(module_spec(module))


def other_versions_using(module: Module, version: QualificationVersion) -> list[QualificationVersion]:
    """The other versions that link this module revision (and so must never see it change)."""
    return list(
        db.session.scalars(
            select(QualificationVersion)
            .join(VersionModule, VersionModule.version_id == QualificationVersion.id)
            .where(VersionModule.module_id == module.id, QualificationVersion.id != version.id)
            .order_by(QualificationVersion.number)
        )
    )


# Shared steps of every edit ------------------------------------------------------------------------


def require_draft(version: QualificationVersion) -> None:
    """Refuse any change to a version that is not a draft."""
    if version.status != VersionStatus.DRAFT:
        raise InvalidTransition(PUBLISHED_NEVER_CHANGE)


def locked_link(version: QualificationVersion, code: str) -> VersionModule:
    """The draft's link to a module, locked so two first edits cannot both copy the revision."""
    link = db.session.scalar(
        select(VersionModule)
        .where(VersionModule.version_id == version.id, VersionModule.code == code)
        .with_for_update(of=VersionModule)
        .execution_options(populate_existing=True)
    )
    if link is None:
        raise InvalidTransition(f"{code} is not a module of version {version.number}.")
    return link


def begin_edit(
    actor, version: QualificationVersion, code: str, expected_module_id, expected_version
) -> VersionModule:
    """Check permission, draft status and that the editor saw the module as it is now."""
    require(can_edit_qualifications(actor), DENIED)
    require_draft(version)
    link = locked_link(version, code)
    if link.module_id != expected_module_id or link.module.version != expected_version:
        raise EditConflict(CONFLICT)
    return link


def touch(module: Module) -> None:
    """Refresh the content hash after a change to the module or to its outcomes and criteria."""
    module.content_hash = module_content_hash(module)
    # Outcome and criterion rows have no version of their own: writing the module row bumps its version,
    # so a second editor holding the old version gets a 409 whatever part of the module they change.
    flag_modified(module, "content_hash")


def audit(action: str, actor, version: QualificationVersion, module: Module, obj, before, after) -> None:
    """One audit row for an edit, with the values before and after it."""
    record(
        action,
        actor=actor,
        actor_role=actor_role(actor),
        obj=obj,
        details={
            "qualification": version.qualification.code,
            "version": version.number,
            "module": module.code,
            "revision": module.revision,
            "before": before,
            "after": after,
        },
    )


def save_edit(action: str, actor, version: QualificationVersion, module: Module, obj, before, after) -> None:
    """Finish an edit of a draft module: refresh its hash (and version), flush, and write the audit row."""
    touch(module)
    db.session.flush()
    audit(action, actor, version, module, obj, before, after)


TITLE = title_rule(TITLE_MAX, f"Enter a title of 1 to {TITLE_MAX} characters.")


def size_errors(level, credits) -> dict[str, str]:
    errors = {}
    if not isinstance(level, int) or not 3 <= level <= 8:
        errors["level"] = "Enter a level from 3 to 8."
    if not isinstance(credits, int) or not 1 <= credits <= MODULE_CREDITS_MAX:
        errors["credits"] = f"Enter credits from 1 to {MODULE_CREDITS_MAX}."
    return errors


# Copy-on-write -------------------------------------------------------------------------------------


def _clone(module: Module) -> Module:
    return new_module_revision(module.family, module_spec(module), module.content_hash)


def editable_module(version: QualificationVersion, code: str, *, actor=None) -> Module:
    """The draft's revision of a module, copied first when any other version also uses it."""
    require_draft(version)
    link = locked_link(version, code)
    module = link.module
    if not other_versions_using(module, version):
        return module
    # Candidates stay on the version they enrolled on, so a revision another version links never changes:
    # the draft gets its own copy (same refs, so evidence maps across) and the edit goes to the copy.
    copy = _clone(module)
    link.module = copy
    db.session.flush()
    record(
        "module_revision_created",
        actor=actor,
        actor_role=actor_role(actor) if actor is not None else None,
        obj=copy,
        details={
            "qualification": version.qualification.code,
            "version": version.number,
            "module": code,
            "before": {"module_id": module.id, "revision": module.revision},
            "after": {"module_id": copy.id, "revision": copy.revision},
        },
    )
    return copy


# Module details ------------------------------------------------------------------------------------


# What update_module changes, under the editor form's field names (which are the spec's).
DETAILS = ("title", "level", "credits", "summary", "cpd")


def module_details(module: Module) -> dict:
    """A module's details, as the editor's form shows them and the audit log keeps them."""
    spec = module_spec(module)
    return {name: getattr(spec, name) for name in DETAILS}


def update_module(
    actor,
    version: QualificationVersion,
    code: str,
    *,
    expected_module_id,
    expected_version,
    title: str,
    level,
    credits,
    summary: str,
    cpd: bool,
) -> Module:
    """Change a draft module's title, level, credits, summary and CPD flag."""
    link = begin_edit(actor, version, code, expected_module_id, expected_version)
    # Browsers send a textarea's line breaks as CRLF; stored text keeps LF, so an unchanged form is no change.
    title, summary = (title or "").strip(), (summary or "").replace("\r\n", "\n")
    errors = {**errors_of(title=TITLE(title)), **size_errors(level, credits)}
    if len(summary) > SUMMARY_MAX:
        errors["summary"] = f"Keep the summary to {SUMMARY_MAX} characters or fewer."
    if errors:
        raise ValidationFailed(errors)
    wanted = {"title": title, "level": level, "credits": credits, "summary": summary, "cpd": bool(cpd)}
    before = module_details(link.module)
    if before == wanted:
        return link.module  # nothing changed: no copy, no audit row
    module = editable_module(version, code, actor=actor)
    module.title, module.level, module.credits = title, level, credits
    module.summary_md, module.cpd = summary, bool(cpd)
    save_edit("module_updated", actor, version, module, module, before, wanted)
    return module


# Adding and removing modules -----------------------------------------------------------------------


def add_module(actor, version: QualificationVersion, *, code: str, title: str, level, credits) -> Module:
    """Add a new module, with no outcomes yet, to the end of a draft."""
    require(can_edit_qualifications(actor), DENIED)
    require_draft(version)
    code, title = (code or "").strip(), (title or "").strip()
    errors = {**errors_of(title=TITLE(title)), **size_errors(level, credits)}
    if not CODE.fullmatch(code):
        errors["code"] = "Enter a code of 2 to 20 capital letters, digits or hyphens, for example M15."
    elif any(link.code == code for link in version.module_links):
        errors["code"] = f"{code} is already a module of this version. Choose another code."
    if errors:
        raise ValidationFailed(errors)
    spec = ModuleSpec(
        code=code, title=title, level=level, credits=credits, summary="", cpd=False, outcomes=()
    )
    module = new_module_revision(version.qualification.code, spec, _module_hash(spec))
    position = max((link.position for link in version.module_links), default=-1) + 1
    version.module_links.append(VersionModule(module=module, code=code, position=position))
    db.session.flush()
    after = {"code": code, "revision": module.revision, **module_details(module)}
    audit("module_added", actor, version, module, module, None, after)
    return module


def awards_using(version: QualificationVersion, code: str) -> list[str]:
    """Where the draft's awards name a module, in words (empty when none does)."""
    uses = []
    for award in version.awards:
        if code in award.codes("compulsory"):
            uses.append(f"{award.code} (compulsory)")
        uses.extend(
            f"{award.code} (option group “{group.title}”)"
            for group in award.option_groups
            if code in group.module_codes
        )
    return uses


def remove_module(actor, version: QualificationVersion, code: str) -> None:
    """Take a module out of a draft; its revision stays, since published versions may use it."""
    require(can_edit_qualifications(actor), DENIED)
    require_draft(version)
    link = locked_link(version, code)
    uses = awards_using(version, code)
    if uses:
        raise ValidationFailed(
            f"{code} cannot be removed while awards still use it: {'; '.join(uses)}. "
            "Take it out of those awards first."
        )
    module = link.module
    before = {"code": code, "module_id": module.id, "revision": module.revision, "title": module.title}
    version.module_links.remove(link)
    db.session.flush()
    audit("module_removed", actor, version, module, module, before, None)
