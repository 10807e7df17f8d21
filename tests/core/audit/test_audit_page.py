"""The admin's audit page names what each entry is about in words, as the history pages do ("Decision on
M01 attempt 1 (Jo Patel)", never "Assessment 1" or "User 7"), with who acted, their role, and the entry's
short hash, each checked against the audit rows."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from core.audit.models import AuditEvent
from core.extensions import db
from tests.support.demo import demo_fixture
from tests.support.html import signed_in
from tests.support.marking import assessment_id_of, load_marking_demo, start_marking, submit_m01
from tests.support.people import JO, TOM, user_id

ADMIN = "admin@northmoor.example"  # Alex Admin, of the demo


demo = demo_fixture(load_marking_demo)


def _table(response) -> dict[str, list[str]]:
    """The audit table's rows by entry number: the words of each cell."""
    body = response.get_data(as_text=True).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
            for c in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        rows[cells[0]] = cells
    return rows


def test_the_audit_page_names_objects_people_roles_and_hashes_in_words(demo):
    app = demo
    jo, tom = signed_in(app, JO), signed_in(app, TOM)
    submission_id = submit_m01(app, jo)
    start_marking(tom, submission_id)
    assessment_id = assessment_id_of(app, submission_id)

    page = signed_in(app, ADMIN).get("/admin/audit/")
    assert page.status_code == 200
    rows = _table(page)
    with app.app_context():
        events = {
            e.seq: e
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.seq.in_([int(k) for k in rows])))
        }
    assert len(events) == len(rows)

    about = {
        ("Submission", str(submission_id)): "Submission: M01 attempt 1 (Jo Patel)",
        ("Assessment", str(assessment_id)): "Decision on M01 attempt 1 (Jo Patel)",
        ("User", str(user_id(app, JO))): "Account: Jo Patel",
    }
    seen = set()
    for seq, event in events.items():
        _number, _when, who, role, _what, subject, short_hash, _details = rows[str(seq)]
        assert short_hash == event.row_hash[:12]
        key = (event.object_type, event.object_id)
        if key in about:
            assert subject == about[key], (seq, event.action)
            seen.add(key)
        # Never the table and the id.
        assert not re.fullmatch(r"[A-Z][A-Za-z]+ \d+", subject), subject
        if event.actor_id == user_id(app, TOM):
            assert who == f"Tom Okafor {TOM}"  # the name now, and the email the row recorded
        if event.actor_role == "assessor":
            assert role == "Assessor"
    assert seen == set(about)
    # The marking Tom started is his, as an assessor, about Jo's decision.
    started = [e for e in events.values() if e.object_type == "Assessment"]
    assert started
    for event in started:
        _, _, who, role, _, subject, _, _ = rows[str(event.seq)]
        assert (who, role, subject) == (
            f"Tom Okafor {TOM}",
            "Assessor",
            "Decision on M01 attempt 1 (Jo Patel)",
        )
