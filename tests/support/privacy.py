"""A candidate with every kind of record, made as people make them, for the privacy tests."""

from __future__ import annotations

import io

from sqlalchemy import select

from core.db.timeutil import uk_today
from core.extensions import db
from qualification.cohorts.models import Cohort
from tests.support.evidence import add_evidence
from tests.support.html import csrf_from, form_post, signed_in
from tests.support.marking import (
    assessment_id_of,
    judge,
    judgement,
    load_marking_demo,
    release_all,
    start_marking,
    submit_m01,
)
from tests.support.people import JO, TOM

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# Words only Jo wrote, to look for after retention.
HER_WORDS = "Zebrafinch careers fair on no budget"


def jo_with_every_kind_of_record(app):
    """Jo: a file and a written account as evidence, M01 submitted, judged and released, a study-log entry,
    a forum thread; the notifications and audit rows these bring."""
    load_marking_demo(app)
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    page = jo.get("/portfolio/new?kind=file")
    added = jo.post(
        "/portfolio/new?kind=file",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "title": "Options evening slides",
            "activity_date": uk_today().isoformat(),
            "context_md": "",
            "anonymised": "y",
            "file": (io.BytesIO(PDF), "slides.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    released = submit_m01(app, jo)
    start_marking(tom, released)
    judge(tom, assessment_id_of(app, released), "Complete marking", judgement(feedback="Released feedback."))
    release_all(tom)
    form_post(
        jo,
        "/study/planner",
        {"minutes": "25", "studied_on": uk_today().isoformat(), "note": "Read M01"},
        action="/study/planner/log",
    )
    with app.app_context():
        cohort_id = db.session.scalar(select(Cohort.id).order_by(Cohort.id))
    forum = f"/forums/cohort/{cohort_id}/general"
    form_post(
        jo,
        forum,
        {"title": "Budget careers fairs", "body": f"{HER_WORDS}: any tips?"},
        action=f"{forum}/threads",
    )
    add_evidence(jo, title="Zebrafinch reflection", body_md=f"{HER_WORDS}, what I learnt.", anonymised="y")
    return jo, tom
