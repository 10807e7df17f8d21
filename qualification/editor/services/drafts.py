"""Starting a new draft from a published version: editing a published version makes a new draft."""

from __future__ import annotations

from sqlalchemy import select

from core.audit.services import record
from core.errors import InvalidTransition, require
from core.extensions import db
from qualification.editor.services.modules import DENIED, actor_role
from qualification.permissions import can_edit_qualifications
from qualification.versions.models import Qualification, QualificationVersion, VersionModule, VersionStatus
from qualification.versions.services import award_row, award_spec, next_version_number


def current_draft(qualification: Qualification) -> QualificationVersion | None:
    """The qualification's draft version, if it has one."""
    return db.session.scalar(
        select(QualificationVersion).where(
            QualificationVersion.qualification_id == qualification.id,
            QualificationVersion.status == VersionStatus.DRAFT,
        )
    )


def start_draft(actor, published_version: QualificationVersion) -> QualificationVersion:
    """Make the next version a draft that shares the published module revisions and copies the awards."""
    require(can_edit_qualifications(actor), DENIED)
    qualification = published_version.qualification
    # Two course leaders pressing the button at once must get one draft and a clear refusal, not an error.
    db.session.execute(select(Qualification.id).where(Qualification.id == qualification.id).with_for_update())
    if published_version.status != VersionStatus.PUBLISHED:
        raise InvalidTransition(
            f"Version {published_version.number} of {qualification.code} is {published_version.status}; "
            "a new draft starts from a published version."
        )
    existing = current_draft(qualification)
    if existing is not None:
        raise InvalidTransition(
            f"Version {existing.number} of {qualification.code} is already a draft. Make your changes "
            f"there (or publish it first): a qualification has one draft at a time."
        )
    number = next_version_number(qualification)
    # The same revisions, not copies: a module is copied only when the draft first changes it.
    links = [
        VersionModule(module_id=link.module_id, code=link.code, position=link.position)
        for link in published_version.module_links
    ]
    awards = [award_row(award.position, award_spec(award)) for award in published_version.awards]
    draft = QualificationVersion(
        qualification=qualification,
        number=number,
        status=VersionStatus.DRAFT,
        title=published_version.title,
        provider=published_version.provider,
        created_by_id=actor.id,
        module_links=links,
        awards=awards,
    )
    db.session.add(draft)
    db.session.flush()
    record(
        "qualification_draft_started",
        actor=actor,
        actor_role=actor_role(actor),
        obj=draft,
        details={
            "qualification": qualification.code,
            "from_version": published_version.number,
            "before": None,
            "after": {
                "version": number,
                "status": draft.status,
                "modules": {link.code: link.module_id for link in draft.module_links},
                "awards": [award.code for award in draft.awards],
            },
        },
    )
    return draft
