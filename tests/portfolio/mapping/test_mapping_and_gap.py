"""One item mapped to many criteria across modules; the gap view's statuses, "still needed" and budget."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.extensions import db
from portfolio.evidence.models import CriterionMapping, EvidenceVersion
from portfolio.submissions.models import Submission, SubmissionEntry
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.evidence import add_evidence, audit_rows, item_id, map_to
from tests.support.html import page_text, press, signed_in_fixture
from tests.support.people import JO, user_id
from tests.support.queries import statements_for

NOT_OPEN = "Choose a criterion of a module you are studying."


demo = demo_fixture(load_study_demo)
jo = signed_in_fixture(JO)


def _criterion_card(client, family_code: str, ref: str) -> str:
    """What the gap view shows for one criterion."""
    body = client.get(f"/portfolio/modules/{family_code}").get_data(as_text=True)
    match = re.search(rf'<div class="card" id="criterion-{re.escape(ref)}">(.*?)</div>', body, re.S)
    assert match, f"no card for {ref}"
    inline = re.sub(
        r"</?(a|span|strong)\b[^>]*>", "", match.group(1)
    )  # as read: "evidence</a>." is "evidence."
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline)).strip()


def test_candidate_can_map_one_item_to_criteria_in_two_modules(jo, app):
    add_evidence(jo, title="Annotated job description and referral log", anonymised="y")
    item = item_id(app, "Annotated job description and referral log")
    first = map_to(jo, item, "CCQ/M01.1.2", "The referral log, page 2.")
    assert "Mapped to M01.1.2." in page_text(first)
    map_to(jo, item, "CCQ/M02.1.1", "The annotated job description.")

    m01 = _criterion_card(jo, "CCQ/M01", "M01.1.2")
    assert "Annotated job description and referral log" in m01
    assert "The referral log, page 2." in m01
    assert "evidence mapped" in m01
    m02 = _criterion_card(jo, "CCQ/M02", "M02.1.1")
    assert "Annotated job description and referral log" in m02
    assert "The annotated job description." in m02
    assert "Annotated job description" not in _criterion_card(jo, "CCQ/M01", "M01.1.1")

    listed = page_text(jo.get("/portfolio/"))
    assert re.search(r"Mapped to: M01\.1\.2 ?, M02\.1\.1", listed)
    with app.app_context():
        rows = db.session.scalars(select(CriterionMapping).order_by(CriterionMapping.criterion_ref)).all()
        assert [(r.module_code, r.criterion_ref) for r in rows] == [("M01", "M01.1.2"), ("M02", "M02.1.1")]
    events = audit_rows(app, "evidence_mapped")
    assert [(e["criterion"], e["module"], e["version"]) for e in events] == [
        ("M01.1.2", "CCQ/M01", 1),
        ("M02.1.1", "CCQ/M02", 1),
    ]


def test_map_form_offers_the_criteria_of_studied_modules_grouped(jo, app):
    add_evidence(jo, title="Anything")
    body = jo.get(f"/portfolio/items/{item_id(app, 'Anything')}").get_data(as_text=True)
    # Checkboxes grouped by module, then outcome (issue 11: it was a select that pre-selected a criterion).
    assert "<legend>M01 Communicating and Working with Others in CEIAG</legend>" in body
    assert "<legend>M01.1 Identify pupils&#39; IAG needs through conversation</legend>" in body
    text = page_text(jo.get(f"/portfolio/items/{item_id(app, 'Anything')}"))
    assert "M01.1.2 Refers learners to the PA with a rationale Shown by portfolio evidence" in text
    assert "M01.1.1 Holds an observed needs conversation Shown by workplace observation or competence" in text
    assert 'value="CCQ/M04.1.1"' in body
    assert "M06.1.1" not in body  # Jo does not study M06


def test_candidate_cannot_map_to_a_module_they_do_not_study(jo, app):
    add_evidence(jo, title="Leadership plan")
    item = item_id(app, "Leadership plan")
    for value in ("CCQ/M06.1.1", "CCQ/M01.9.9", "OTHER/M01.1.2", "M06.1.1"):
        refused = map_to(jo, item, value, follow=False)
        assert refused.status_code == 422, value
        assert NOT_OPEN in page_text(refused)
    with app.app_context():
        assert db.session.scalars(select(CriterionMapping)).all() == []
    assert audit_rows(app, "evidence_mapped") == []


def test_mapping_again_changes_the_note_and_unmapping_removes_it(jo, app):
    add_evidence(jo, title="Parent letter")
    item = item_id(app, "Parent letter")
    map_to(jo, item, "CCQ/M01.2.1", "First note")
    # The criterion is no longer offered once mapped; the service still treats a repeat as a new note.
    with app.app_context():
        from core.accounts.models import User
        from portfolio.evidence.models import EvidenceItem
        from portfolio.mapping.services import map_item

        jo_user = db.session.get(User, user_id(app, JO))
        map_item(jo_user, db.session.get(EvidenceItem, item), criterion_ref="M01.2.1", note="Better note")
        db.session.commit()
    assert "Better note" in _criterion_card(jo, "CCQ/M01", "M01.2.1")

    page = jo.get(f"/portfolio/items/{item}")
    done = press(jo, page, "Unmap from M01.2.1")
    assert "No longer mapped to M01.2.1." in page_text(done)
    card = _criterion_card(jo, "CCQ/M01", "M01.2.1")
    assert "Parent letter" not in card
    assert "no evidence" in card
    [event] = audit_rows(app, "evidence_unmapped")
    assert (event["criterion"], event["note"]) == ("M01.2.1", "Better note")
    # A second click (an old tab) changes nothing.
    again = press(jo, page, "Unmap from M01.2.1")
    assert again.status_code == 200
    assert len(audit_rows(app, "evidence_unmapped")) == 1


def test_gap_view_shows_status_and_what_each_method_still_needs(jo, app):
    page = jo.get("/portfolio/modules/CCQ/M01")
    assert page.status_code == 200
    assert "0 of 9 criteria have evidence" in page_text(page)
    observed = _criterion_card(jo, "CCQ/M01", "M01.1.1")  # observation, competence
    assert "no evidence" in observed
    assert "observation still to be planned" in observed
    assert "competence sign-off by your assessor" in observed
    assert "Still needed: portfolio evidence." in _criterion_card(jo, "CCQ/M01", "M01.1.2")
    assert "Still needed: a reflective account." in _criterion_card(jo, "CCQ/M01", "M01.1.3")

    add_evidence(jo, "link", title="Referral form", url="https://school.example/referral")
    map_to(jo, item_id(app, "Referral form"), "CCQ/M01.1.2")
    map_to(jo, item_id(app, "Referral form"), "CCQ/M01.1.3")
    portfolio_only = _criterion_card(jo, "CCQ/M01", "M01.1.2")
    assert "evidence mapped" in portfolio_only
    assert "Still needed" not in portfolio_only
    assert "Not yet confirmed anonymised" in portfolio_only
    # A link is not a reflective account.
    assert "Still needed: a reflective account." in _criterion_card(jo, "CCQ/M01", "M01.1.3")

    add_evidence(jo, title="On impartiality")
    map_to(jo, item_id(app, "On impartiality"), "CCQ/M01.1.3")
    assert "Still needed" not in _criterion_card(jo, "CCQ/M01", "M01.1.3")
    assert "2 of 9 criteria have evidence" in page_text(jo.get("/portfolio/modules/CCQ/M01"))


def _submit_rows(app, refs: list[str], status: str = "submitted") -> None:
    """A submission of M01 as the submissions change writes it (its own tests cover how)."""
    with app.app_context():
        jo_id = user_id(app, JO)
        version = db.session.scalars(select(EvidenceVersion)).first()
        from modules.study.models import ModuleEnrolment

        enrolment = db.session.scalar(
            select(ModuleEnrolment).where(
                ModuleEnrolment.candidate_id == jo_id, ModuleEnrolment.module_code == "M01"
            )
        )
        attempt = 1 + len(db.session.scalars(select(Submission)).all())
        submission = Submission(
            candidate_id=jo_id,
            family="CCQ",
            module_code="M01",
            module_id=enrolment.module_id,
            attempt=attempt,
            status=status,
            snapshot_hash="0" * 64,
        )
        submission.entries = [
            SubmissionEntry(criterion_ref=ref, version_id=version.id, content_hash=version.content_hash)
            for ref in refs
        ]
        db.session.add(submission)
        db.session.commit()


def test_gap_view_shows_submitted_criteria_and_ignores_withdrawn_ones(jo, app):
    add_evidence(jo, title="Referral write-up", anonymised="y")
    map_to(jo, item_id(app, "Referral write-up"), "CCQ/M01.1.2")
    _submit_rows(app, ["M01.2.1"], status="withdrawn")
    assert "no evidence" in _criterion_card(jo, "CCQ/M01", "M01.2.1")
    _submit_rows(app, ["M01.1.2"])
    assert "submitted" in _criterion_card(jo, "CCQ/M01", "M01.1.2")
    assert "no evidence" in _criterion_card(jo, "CCQ/M01", "M01.2.1")


def test_removing_a_submitted_item_says_the_submission_keeps_it(jo, app):
    add_evidence(jo, title="Submitted referral", anonymised="y")
    item = item_id(app, "Submitted referral")
    _submit_rows(app, ["M01.1.2"])
    removed = press(jo, jo.get(f"/portfolio/items/{item}"), "Remove from my portfolio")
    assert "It stays in your M01 submission exactly as you submitted it." in page_text(removed)
    with app.app_context():
        entry = db.session.scalars(select(SubmissionEntry)).one()
        assert entry.version.item_id == item


def test_gap_view_of_a_module_not_studied_is_not_found(jo):
    assert jo.get("/portfolio/modules/CCQ/M06").status_code == 404
    assert jo.get("/portfolio/modules/NOPE/M01").status_code == 404


def test_portfolio_filters_by_module_tag_and_unmapped(jo, app):
    add_evidence(jo, title="Mapped to M01", tags=["gatsby:GB8"])
    add_evidence(jo, title="Mapped to M02")
    add_evidence(jo, title="Not mapped", tags=["gatsby:GB8"])
    map_to(jo, item_id(app, "Mapped to M01"), "CCQ/M01.1.2")
    map_to(jo, item_id(app, "Mapped to M02"), "CCQ/M02.1.1")

    def titles(query: str) -> set[str]:
        text = page_text(jo.get(f"/portfolio/?{query}"))
        return {t for t in ("Mapped to M01", "Mapped to M02", "Not mapped") if t in text}

    assert titles("") == {"Mapped to M01", "Mapped to M02", "Not mapped"}
    assert titles("module=CCQ/M01") == {"Mapped to M01"}
    assert titles("tag=gatsby:GB8") == {"Mapped to M01", "Not mapped"}
    assert titles("unmapped=y") == {"Not mapped"}
    assert titles("tag=gatsby:GB8&unmapped=y") == {"Not mapped"}
    assert "No evidence matches these filters." in page_text(jo.get("/portfolio/?module=CCQ/M03"))


def test_gap_view_and_portfolio_run_the_same_statements_however_much_evidence(jo, app):
    add_evidence(jo, title="Item 0", tags=["gatsby:GB1"])
    map_to(jo, item_id(app, "Item 0"), "CCQ/M01.1.2")
    pages = ["/portfolio/modules/CCQ/M01", "/portfolio/", "/portfolio/?tag=gatsby:GB1"]
    few = {url: statements_for(app, jo, url) for url in pages}
    for n in range(1, 8):
        add_evidence(jo, "discussion" if n % 2 else "account", title=f"Item {n}", tags=["gatsby:GB1"])
        for ref in ("M01.1.1", "M01.1.3", "M01.2.2", "M02.1.1"):
            map_to(jo, item_id(app, f"Item {n}"), f"CCQ/{ref}")
    _submit_rows(app, ["M01.1.2", "M01.1.3"])
    many = {url: statements_for(app, jo, url) for url in pages}
    assert few == many
    # 8 + the released criterion results + the observations and sign-offs that back criteria (2)
    # + the allocated assessor's name, for "ask your assessor, Tom Okafor, to plan an observation" (1)
    assert many["/portfolio/modules/CCQ/M01"] <= 12
    assert many["/portfolio/"] <= 8
