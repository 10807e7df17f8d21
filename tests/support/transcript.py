"""The results demo: achievements recorded through the results services, and pages seen as a signed-in
person."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from modules.catalogue.models import Module
from qualification.cohorts.models import Cohort
from qualification.results.models import AchievedBy
from qualification.results.services import record_module_result
from tests.support.demo import load_demo_data
from tests.support.html import login
from tests.support.people import DEMO_PASSWORD, user_id


def load_demo_world(app):
    """The demo people, qualification and cohort (Jo has chosen M04; Chris no option yet)."""
    load_demo_data(app, content=False)
    return app


def cohort_id(app) -> int:
    with app.app_context():
        return db.session.scalars(select(Cohort.id)).one()


def newest_module(code: str) -> Module:
    """The newest revision of a demo (CCQ) module (in an app context)."""
    return db.session.scalars(
        select(Module).where(Module.family == "CCQ", Module.code == code).order_by(Module.revision.desc())
    ).first()


def release_result(
    leader,
    module: Module,
    *,
    candidate_id: int,
    cohort_id: int,
    on: date,
    source: str,
    how=AchievedBy.ASSESSMENT,
) -> None:
    """A released result of this module, recorded as the assessors' release service records one (in an app
    context; not committed)."""
    record_module_result(
        leader,
        candidate_id=candidate_id,
        cohort_id=cohort_id,
        family=module.family,
        module_code=module.code,
        module_id=module.id,
        title=module.title,
        level=module.level,
        credits=module.credits,
        how=how,
        achieved_on=on,
        source=source,
    )


def achieve(app, email: str, code: str, on: date, how=AchievedBy.ASSESSMENT, source: str | None = None):
    """Record a released result the way the assessors' release service does."""
    candidate, cohort = user_id(app, email), cohort_id(app)
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == "leader@northmoor.example"))
        release_result(
            leader,
            newest_module(code),
            candidate_id=candidate,
            cohort_id=cohort,
            on=on,
            source=source or f"assessment:{code}-{email}",
            how=how,
        )
        db.session.commit()


def transcript_url(app, email: str) -> str:
    """The address of this person's transcript in the demo cohort."""
    return f"/cohorts/{cohort_id(app)}/candidates/{user_id(app, email)}/transcript"


def page(app, email: str, url: str):
    client = app.test_client()
    login(client, email, DEMO_PASSWORD)
    return client.get(url)
