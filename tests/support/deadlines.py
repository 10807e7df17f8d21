"""Deadlines and extensions through their pages: the course leader sets a module's deadline, a candidate asks
for more time, a tutor or course leader decides; and the rows behind them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.db.timeutil import uk_today
from core.extensions import db
from qualification.deadlines.models import DeadlineExtension, ModuleDeadline
from tests.support.html import form_with, page_text, press, signed_in
from tests.support.people import LEADER


def today() -> date:
    """Today's UK date, as the services compare."""
    return uk_today()


def in_days(n: int) -> date:
    return today() + timedelta(days=n)


def set_deadline(client, demo, code: str, due: date | str, *, follow: bool = True):
    """The course leader sets a module's deadline with the form on the cohort's deadlines page."""
    page = client.get(demo.url)
    value = due.isoformat() if isinstance(due, date) else due
    return press(client, page, "Save the deadline", {"module_code": code, "due_on": value}, follow=follow)


def leader_sets(app, demo, code: str = "M01", due: date | None = None) -> int:
    """The course leader sets a deadline (20 days ahead unless told); its id back."""
    response = set_deadline(signed_in(app, LEADER), demo, code, due or in_days(20))
    assert f"The {code} deadline is" in page_text(response)
    return deadline_id(app, demo, code)


def deadline_id(app, demo, code: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(ModuleDeadline.id).where(
                ModuleDeadline.cohort_id == demo.cohort_id, ModuleDeadline.module_code == code
            )
        )


def ask(client, demo, deadline: int, proposed: date | str, reason: str, *, follow: bool = True):
    """The candidate opens "Ask for more time" and sends the form."""
    url = f"{demo.url}/{deadline}/extension"
    page = client.get(url)
    assert page.status_code == 200
    value = proposed.isoformat() if isinstance(proposed, date) else proposed
    return press(client, page, "Send my request", {"proposed_until": value, "reason": reason}, follow=follow)


def extensions(app) -> list[DeadlineExtension]:
    with app.app_context():
        rows = list(db.session.scalars(select(DeadlineExtension).order_by(DeadlineExtension.id)))
        db.session.expunge_all()
        return rows


def decide(client, demo, extension_id: int, button: str, changes: dict, *, follow: bool = True):
    """Open the request's page and press Grant or Refuse with these values."""
    page = client.get(f"/cohorts/{demo.cohort_id}/extensions/{extension_id}")
    assert page.status_code == 200
    form_with(page, button)  # the form is on the page
    return press(client, page, button, changes, follow=follow)
