"""The demo as `flask demo load` leaves it (people, qualification, cohort, M01-M03 content), and lookups in
its study content."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.accounts.demo import load_demo
from core.accounts.models import User
from core.extensions import db
from modules.content.models import Activity, Section
from modules.demo import DEMO_CONTENT, load_demo_content
from qualification.cohorts.models import Cohort
from qualification.cohorts.services import create_cohort
from qualification.demo import DEMO_COHORT, load_demo_cohort, load_demo_qualification
from qualification.versions.queries import find_version


def demo_fixture(load, **options):
    """A test module's `demo` fixture: the app with `load(app, **options)`'s data in it, or what `load`
    returns when it returns something (the ids the tests need, say)."""

    @pytest.fixture
    def demo(app):
        made = load(app, **options)
        return app if made is None else made

    return demo


def load_demo_data(app, *, cohort: bool = True, content: bool = True) -> None:
    """The demo people and qualification, with its cohort and its M01-M03 study content unless told not to,
    committed, as `flask demo load` leaves them."""
    with app.app_context():
        load_demo()
        load_demo_qualification()
        if cohort:
            load_demo_cohort()
        if content:
            load_demo_content()
        db.session.commit()


def another_certificate_cohort(leader, name: str) -> Cohort:
    """A second Certificate cohort of the demo qualification, its options deadline two months from today."""
    return create_cohort(
        leader,
        name=name,
        version=find_version("CCQ"),
        award_code="CERT",
        module_code=None,
        start_date=date(2026, 9, 18),
        choice_deadline=date.today() + timedelta(days=60),  # noqa: DTZ011 - as the view compares
    )


def load_study_demo(app) -> None:
    """The whole demo (load_demo_data), with the options deadline moved to two months from today, so the
    tests do not depend on the calendar."""
    load_demo_data(app)
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        cohort.choice_deadline = date.today() + timedelta(days=60)  # noqa: DTZ011 - as the view compares
        db.session.commit()


def demo_ids(app) -> tuple[int, dict[str, int]]:
    """The demo cohort's id, and every person's id by email."""
    with app.app_context():
        cohort_id = db.session.scalar(select(Cohort.id).where(Cohort.name == DEMO_COHORT))
        return cohort_id, {u.email: u.id for u in db.session.scalars(select(User))}


def demo_content() -> dict:
    """The demo content document (a fresh copy each call)."""
    return json.loads(Path(DEMO_CONTENT).read_text(encoding="utf-8"))


def module_doc(code: str) -> dict:
    """One module of the demo content document."""
    return next(m for m in demo_content()["modules"] if m["module"] == code)


def activity_id(app, code: str, title: str) -> int:
    """The id of a module's activity, found by its title."""
    with app.app_context():
        return db.session.scalar(
            select(Activity.id).join(Section).where(Section.module_code == code, Activity.title == title)
        )


def activity_ids(app, code: str) -> list[int]:
    """A module's activity ids in study order."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(Activity.id)
                .join(Section)
                .where(Section.module_code == code)
                .order_by(Section.position, Activity.position)
            )
        )
