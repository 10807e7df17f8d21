"""The assessor's email about a submission names the cohort and the qualification it was submitted in."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.mail.models import OutboxMessage
from qualification.cohorts.models import Cohort
from qualification.cohorts.queries import studies_of
from tests.support.demo import demo_ids, load_study_demo
from tests.support.html import signed_in
from tests.support.people import JO
from tests.support.submissions import add_item, allocated_assessor, submit


def test_the_submission_email_names_the_cohort_and_qualification(app):
    load_study_demo(app)
    cohort_id, _ids = demo_ids(app)
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        about = f"{cohort.name}, studying {studies_of(cohort)}"
    add_item(app, JO, "Careers plan 2026", maps=[("M01", "M01.1.1", "The plan")])
    submit(signed_in(app, JO), "M01", follow=False)
    with app.app_context():
        mail = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.to_address == allocated_assessor(app, JO),
                OutboxMessage.category == "notification:submission_received",
            )
        )
        assert f"Cohort: {about}" in mail.body_text
        assert f"<p>Cohort: {about}</p>" in mail.body_html
