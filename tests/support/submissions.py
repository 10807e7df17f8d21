"""Evidence rows and submissions built directly (the items and mapping services are tested elsewhere), shared
by the submission, APL and export tests.
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from core.accounts.models import User
from core.db.timeutil import utcnow
from core.extensions import db
from portfolio.evidence.models import CriterionMapping, EvidenceItem, EvidenceVersion
from qualification.cohorts.models import AssessorAllocation
from tests.support.html import press
from tests.support.people import JO, user_id


def body_hash(title: str, body: str, blob_sha256: str | None = None) -> str:
    return hashlib.sha256(f"{title}\n{body}\n{blob_sha256 or ''}".encode()).hexdigest()


def item_with_version(
    candidate_id: int, kind: str, *, anonymised_at=None, **version
) -> tuple[EvidenceItem, EvidenceVersion]:
    """An evidence item and its version 1 with these fields, flushed (not committed, not yet current)."""
    item = EvidenceItem(candidate_id=candidate_id, kind=kind, anonymised_at=anonymised_at)
    db.session.add(item)
    db.session.flush()
    first = EvidenceVersion(item_id=item.id, number=1, **version)
    db.session.add(first)
    db.session.flush()
    return item, first


def add_item(
    app,
    email: str,
    title: str,
    body: str = "An account of practice.",
    *,
    maps=(("M01", "M01.1.1", "Shows the plan"),),
    anonymised: bool = True,
    blob_sha256: str | None = None,
    file_name: str | None = None,
) -> int:
    """An evidence item with one version, mapped to (module, criterion, note) triples; returns its id."""
    owner = user_id(app, email)
    with app.app_context():
        item, version = item_with_version(
            owner,
            "file" if blob_sha256 else "account",
            anonymised_at=utcnow() if anonymised else None,
            title=title,
            body_md=body,
            blob_sha256=blob_sha256,
            file_name=file_name,
            content_hash=body_hash(title, body, blob_sha256),
            created_by_id=owner,
        )
        item.current = version
        for module, ref, note in maps:
            db.session.add(
                CriterionMapping(
                    item_id=item.id, family="CCQ", module_code=module, criterion_ref=ref, note=note
                )
            )
        db.session.commit()
        return item.id


def edit_item(app, item_id: int, body: str) -> str:
    """A new version of the item, as editing it in the working portfolio makes; returns its hash."""
    with app.app_context():
        item = db.session.get(EvidenceItem, item_id)
        number = len(item.versions) + 1
        version = EvidenceVersion(
            item_id=item.id,
            number=number,
            title=item.current.title,
            body_md=body,
            content_hash=body_hash(item.current.title, body),
            created_by_id=item.candidate_id,
        )
        db.session.add(version)
        db.session.flush()
        item.current = version
        db.session.commit()
        return version.content_hash


def allocated_assessor(app, email: str = JO) -> str:
    candidate_id = user_id(app, email)
    with app.app_context():
        assessor_id = db.session.scalar(
            select(AssessorAllocation.assessor_id).where(AssessorAllocation.candidate_id == candidate_id)
        )
        return db.session.get(User, assessor_id).email


GAPS_BOX = re.compile(r'<input type="checkbox" name="confirm_gaps" id="confirm_gaps" value="([^"]*)"')


def gaps_box(page) -> str | None:
    """The value of the review's "I am submitting with N of M criteria empty" box, None if it has none."""
    match = GAPS_BOX.search(page.get_data(as_text=True))
    return match.group(1) if match else None


def press_submit(client, page, code: str = "M01", changes: dict | None = None, *, follow: bool = True):
    """On the review page, tick the box that confirms the gaps it names (when it has one) and press Submit."""
    changes = dict(changes or {})
    ticked = gaps_box(page)
    if ticked is not None:
        changes["confirm_gaps"] = ticked
    return press(client, page, f"Submit {code} for assessment", changes, follow=follow)


def submit(client, code: str = "M01", statement: str = "", *, follow: bool = True):
    """Open the module's review, confirm the gaps it names (if any) and submit it."""
    page = client.get(f"/portfolio/submissions/new/CCQ/{code}")
    assert page.status_code == 200
    return press_submit(client, page, code, {"statement": statement}, follow=follow)
