"""The email about a forum reply names the cohort and the qualification the forum belongs to."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.extensions import db
from core.mail.models import OutboxMessage
from qualification.cohorts.models import Cohort
from qualification.cohorts.queries import studies_of
from tests.support.demo import demo_ids, load_demo_data
from tests.support.html import csrf_from, form_post, signed_in
from tests.support.people import CHRIS, JO


def test_a_reply_email_names_the_cohort_and_qualification(app):
    load_demo_data(app, content=False)
    cohort_id, _ids = demo_ids(app)
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        about = f"{cohort.name}, studying {studies_of(cohort)}"
    forum = f"/forums/cohort/{cohort_id}/general"
    started = form_post(
        signed_in(app, JO), forum, {"title": "Careers fair", "body": "Tips?"}, action=f"{forum}/threads"
    )
    thread = re.search(r"/forums/threads/(\d+)$", started.headers["Location"]).group(0)
    chris = signed_in(app, CHRIS)
    token = csrf_from(chris.get(thread).get_data(as_text=True))
    assert (
        chris.post(f"{thread}/replies", data={"body": "Local employers.", "csrf_token": token}).status_code
        == 302
    )
    with app.app_context():
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == JO))
        assert f"Cohort: {about}" in mail.body_text
        assert f"<p>Cohort: {about}</p>" in mail.body_html
