"""Witness testimony through the pages: the candidate (or the assessor) asks, the email holds a one-time link,
the witness confirms without an account, and the testimony is evidence bound to the version they read.
Reuse, expiry, revocation, unknown tokens, evidence edited afterwards, bad input, and who may not ask."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assessors.witness.models import WitnessRequest
from core.audit.services import verify_chain
from core.db.timeutil import utcnow
from core.extensions import db
from core.files.storage import get_store
from core.mail.models import OutboxMessage
from core.mail.services import as_sent
from portfolio.evidence.models import CriterionMapping, EvidenceItem, EvidenceVersion
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.evidence import LAST_WEEK, add_evidence, audit_rows, item_id
from tests.support.html import csrf_from, form_with, page_text, press, signed_in
from tests.support.people import CHRIS, HELEN, JO, TOM, user_id

WITNESS = "deputy.head@hollinspark.example"
LINK = re.compile(r"http://waymark\.test/witness/([A-Za-z0-9_-]+)")
SEND = "Send the link"
CONFIRM = "Confirm the ticked criteria"


demo = demo_fixture(load_study_demo)


@pytest.fixture
def jo(demo):
    client = signed_in(demo, JO)
    add_evidence(client, title="Careers fair evaluation", body_md="We ran the fair with twelve employers.")
    add_evidence(client, title="Private planning notes", body_md="Not for the witness.")
    return client


def ask(client, url: str, *, follow=True, **changes):
    data = {
        "criteria": ["CCQ/M01/M01.1.1", "CCQ/M01/M01.1.2"],
        "witness_name": "Sam Reid",
        "witness_email": WITNESS,
        "witness_role": "Deputy headteacher",
        **changes,
    }
    return press(client, client.get(url), SEND, data, follow=follow)


def last_token(app) -> str:
    with app.app_context():
        message = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.category == "witness").order_by(OutboxMessage.id.desc())
        ).first()
        assert message.to_address == WITNESS
        # What the witness reads: the token joins the stored text only as the email goes out.
        return LINK.search(as_sent(message).text).group(1)


def requests(app) -> list[WitnessRequest]:
    with app.app_context():
        found = db.session.scalars(select(WitnessRequest).order_by(WitnessRequest.id)).all()
        for r in found:
            db.session.expunge(r)
        return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def answer(app, token: str, button: str = CONFIRM, *, follow=True, **changes):
    """As the witness, with no account: open the link and press a button."""
    witness = app.test_client()
    page = witness.get(f"/witness/{token}")
    assert page.status_code == 200
    data = {"confirmed": ["M01.1.1"], "name": "Sam Reid", "role": "Deputy headteacher", **changes}
    return press(witness, page, button, data, follow=follow)


def expire_the_pending_request(app) -> None:
    """The one pending witness link passed its expiry a minute ago."""
    with app.app_context():
        req = db.session.scalars(select(WitnessRequest).where(WitnessRequest.status == "pending")).one()
        req.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def test_candidate_can_ask_and_the_witness_confirms_without_an_account(demo, jo):
    item = item_id(demo, "Careers fair evaluation")
    page = jo.get(f"/portfolio/items/{item}")
    assert "Ask a witness to confirm this evidence" in page_text(page)
    sent = ask(jo, f"/witness/items/{item}/request")
    assert "We emailed Sam Reid a link. It works once, for 14 days." in page_text(sent)
    assert "Waiting for the witness" in page_text(sent)

    token = last_token(demo)
    (req,) = requests(demo)
    assert req.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr([getattr(req, c) for c in ("token_hash", "witness_email", "criteria_refs")])
    assert timedelta(days=13, hours=23) < req.expires_at - utcnow() <= timedelta(days=14)
    assert (req.refs, req.status) == (["M01.1.1", "M01.1.2"], "pending")

    witness = demo.test_client()
    shown = witness.get(f"/witness/{token}")
    text = page_text(shown)
    assert shown.headers["Cache-Control"] == "no-store"
    assert "We ran the fair with twelve employers." in text
    assert "M01.1.2" in text
    assert "Private planning notes" not in text
    assert JO not in shown.get_data(as_text=True)

    jo_id = user_id(demo, JO)
    done = answer(demo, token, comment="Jo led it well.")
    assert "Your testimony has been recorded." in page_text(done)
    (req,) = requests(demo)
    assert (req.status, req.confirmed_refs, req.response_name) == ("confirmed", "M01.1.1", "Sam Reid")
    with demo.app_context():
        testimony = db.session.get(EvidenceItem, req.testimony_item_id)
        version = db.session.get(EvidenceVersion, req.version_id)
        assert (testimony.kind, testimony.candidate_id) == ("testimony", jo_id)
        assert testimony.anonymised_at is not None
        body = testimony.current.body_md
        assert "Sam Reid, Deputy headteacher" in body
        assert (
            f"This testimony covers version 1 of 'Careers fair evaluation' (SHA-256 `{version.content_hash}`)"
            in body
        )
        mapped = db.session.scalars(
            select(CriterionMapping.criterion_ref).where(CriterionMapping.item_id == testimony.id)
        ).all()
        assert mapped == ["M01.1.1"]
        assert verify_chain()[1] == []
    rows = audit_rows(demo, "witness_confirmed")
    assert [(r["actor"], r["version_hash"], r["confirmed"]) for r in rows] == [
        (None, req.version_hash, ["M01.1.1"])
    ]

    # Single use: seen again, or sent again, the link is gone.
    again = demo.test_client().get(f"/witness/{token}")
    assert again.status_code == 410
    assert "already been used" in page_text(again)
    assert "Careers fair evaluation" not in page_text(again)
    token_page = demo.test_client()
    csrf = csrf_from(token_page.get("/login").get_data(as_text=True))
    replay = token_page.post(
        f"/witness/{token}", data={"csrf_token": csrf, "confirmed": ["M01.1.2"], "name": "X", "role": "Y"}
    )
    assert replay.status_code == 410
    assert count(demo, EvidenceItem) == 3


def test_witness_cannot_confirm_with_bad_input_and_nothing_changes(demo, jo):
    ask(jo, f"/witness/items/{item_id(demo, 'Careers fair evaluation')}/request")
    token = last_token(demo)
    for changes, message in (
        ({"confirmed": []}, "Tick at least one criterion you can confirm, or decline."),
        ({"name": ""}, "Enter your name."),
        ({"role": "  "}, "Enter your role."),
        ({"confirmed": ["M01.1.3"]}, "Tick at least one criterion you can confirm, or decline."),
    ):
        refused = answer(demo, token, follow=False, **changes)
        assert refused.status_code == 422, changes
        assert message in page_text(refused), changes
    (req,) = requests(demo)
    assert req.status == "pending"
    assert count(demo, EvidenceItem) == 2
    assert audit_rows(demo, "witness_confirmed") == []


def test_witness_can_decline(demo, jo):
    ask(jo, f"/witness/items/{item_id(demo, 'Careers fair evaluation')}/request")
    done = answer(demo, last_token(demo), "Decline", confirmed=[], comment="I was not there that day.")
    assert "You declined" in page_text(done)
    (req,) = requests(demo)
    assert (req.status, req.testimony_item_id, req.comment_md) == (
        "declined",
        None,
        "I was not there that day.",
    )
    assert "Declined" in page_text(jo.get("/assessors/workplace"))


def test_candidate_cannot_ask_with_bad_input_and_nothing_changes(demo, jo):
    url = f"/witness/items/{item_id(demo, 'Careers fair evaluation')}/request"
    for changes, message in (
        ({"criteria": []}, "Choose at least one criterion the witness can confirm."),
        ({"criteria": ["CCQ/M01/M01.1.1", "CCQ/M02/M02.1.1"]}, "Choose criteria of one module"),
        ({"witness_name": ""}, "Enter the witness's name."),
        ({"witness_email": "not-an-address"}, "Enter a valid email address."),
    ):
        refused = ask(jo, url, follow=False, **changes)
        assert refused.status_code == 422, changes
        assert message in page_text(refused), changes
    assert requests(demo) == []
    assert count(demo, OutboxMessage) == 0


def test_links_stop_working_when_revoked_or_expired_and_unknown_ones_are_404(demo, jo):
    item = item_id(demo, "Careers fair evaluation")
    page = ask(jo, f"/witness/items/{item}/request")
    revoked_token = last_token(demo)
    withdrawn = press(jo, page, "Withdraw the link sent to Sam Reid")
    assert "no longer works" in page_text(withdrawn)
    gone = demo.test_client().get(f"/witness/{revoked_token}")
    assert gone.status_code == 410
    assert "withdrawn" in page_text(gone)

    ask(jo, f"/witness/items/{item}/request")
    expired_token = last_token(demo)
    expire_the_pending_request(demo)
    expired = demo.test_client().get(f"/witness/{expired_token}")
    assert expired.status_code == 410
    assert "expired" in page_text(expired)
    assert [r.status for r in requests(demo)] == ["revoked", "pending"]

    assert demo.test_client().get("/witness/zz-not-a-token").status_code == 404
    assert demo.test_client().get(f"/witness/{expired_token[:-2]}").status_code == 404
    assert count(demo, EvidenceItem) == 2


def test_testimony_shows_it_covers_an_earlier_version_after_the_evidence_changes(demo, jo):
    item = item_id(demo, "Careers fair evaluation")
    ask(jo, f"/witness/items/{item}/request")
    answer(demo, last_token(demo))
    page = jo.get(f"/portfolio/items/{item}")
    assert "Covers version 1 · SHA-256" in page_text(page)
    edited = press(jo, page, "Save as a new version", {"body_md": "Fourteen employers in the end."})
    assert "Covers version 1 (an earlier version; the evidence has changed since)" in page_text(edited)
    tom = signed_in(demo, TOM)
    workplace = page_text(tom.get(f"/assessors/candidates/{user_id(demo, JO)}/workplace"))
    assert "Covers version 1 (an earlier version; the evidence has changed since)" in workplace


def test_assessor_can_ask_for_testimony_and_others_cannot(demo, jo):
    jo_id, item = user_id(demo, JO), item_id(demo, "Careers fair evaluation")
    tom = signed_in(demo, TOM)
    sent = ask(tom, f"/witness/candidates/{jo_id}/request", item=str(item), criteria=["CCQ/M01/M01.1.3"])
    assert "Jo Patel: workplace assessment" in page_text(sent)
    (req,) = requests(demo)
    assert (req.requested_by_id, req.item_id, req.refs) == (user_id(demo, TOM), item, ["M01.1.3"])
    assert audit_rows(demo, "witness_requested")[0]["actor"] == TOM

    helen, chris = signed_in(demo, HELEN), signed_in(demo, CHRIS)
    assert helen.get(f"/witness/candidates/{jo_id}/request").status_code == 404
    assert chris.get(f"/witness/items/{item}/request").status_code == 404
    for client in (helen, chris):
        token = csrf_from(client.get("/account").get_data(as_text=True))
        assert (
            client.post(f"/witness/requests/{req.id}/revoke", data={"csrf_token": token}).status_code == 404
        )
    assert [r.status for r in requests(demo)] == ["pending"]


# The file of a FILE item, through the witness's link ------------------------------------------------------

PLAN = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n% careers fair plan, first version\n"
PLAN_V2 = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n% careers fair plan, second version\n"
PLAN_NAME = "Évaluation du salon.pdf"


def add_file(client, title: str, data: bytes, name: str) -> None:
    """As the candidate, add a file item through the add page."""
    page = client.get("/portfolio/new?kind=file")
    form = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "title": title,
        "activity_date": LAST_WEEK,
        "context_md": "",
        "anonymised": "y",
        "file": (io.BytesIO(data), name),
    }
    added = client.post("/portfolio/new?kind=file", data=form, content_type="multipart/form-data")
    assert added.status_code == 302


@pytest.fixture
def jo_file(demo, jo):
    """Jo with a file item and a pending witness request about it; the link's token."""
    add_file(jo, "Careers fair plan", PLAN, PLAN_NAME)
    ask(jo, f"/witness/items/{item_id(demo, 'Careers fair plan')}/request")
    return last_token(demo)


def stored_bytes(app, version_id: int) -> bytes:
    with app.app_context():
        version = db.session.get(EvidenceVersion, version_id)
        return get_store(app).path_for(version.blob_sha256).read_bytes()


def test_witness_can_download_the_file_while_the_link_is_open(demo, jo, jo_file):
    witness = demo.test_client()
    page = witness.get(f"/witness/{jo_file}")
    assert f'href="/witness/{jo_file}/file"' in page.get_data(as_text=True)
    assert f"Download {PLAN_NAME}" in page_text(page)

    download = witness.get(f"/witness/{jo_file}/file")
    assert download.status_code == 200
    (req,) = requests(demo)
    assert download.data == PLAN == stored_bytes(demo, req.version_id)
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"Evaluation du salon.pdf\"; filename*=UTF-8''%C3%89valuation%20du%20salon.pdf"
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["Cache-Control"] == "no-store"
    # Reading the file uses nothing up: the link still opens, and the witness can still answer.
    assert [r.status for r in requests(demo)] == ["pending"]
    assert "Your testimony has been recorded." in page_text(answer(demo, jo_file))


def test_witness_cannot_download_the_file_once_the_link_is_used_revoked_or_expired(demo, jo, jo_file):
    answer(demo, jo_file)
    used = demo.test_client().get(f"/witness/{jo_file}/file")
    assert used.status_code == 410
    assert "already been used" in page_text(used)
    assert PLAN not in used.data

    item = item_id(demo, "Careers fair plan")
    page = ask(jo, f"/witness/items/{item}/request")
    revoked = last_token(demo)
    press(jo, page, "Withdraw the link sent to Sam Reid")
    gone = demo.test_client().get(f"/witness/{revoked}/file")
    assert (gone.status_code, "withdrawn" in page_text(gone)) == (410, True)

    ask(jo, f"/witness/items/{item}/request")
    expired = last_token(demo)
    expire_the_pending_request(demo)
    late = demo.test_client().get(f"/witness/{expired}/file")
    assert (late.status_code, "expired" in page_text(late)) == (410, True)
    assert PLAN not in late.data

    for unknown in ("zz-not-a-token", expired[:-2]):
        missing = demo.test_client().get(f"/witness/{unknown}/file")
        assert missing.status_code == 404
        assert PLAN not in missing.data


def test_witness_gets_the_original_file_after_the_candidate_replaces_it(demo, jo, jo_file):
    item = item_id(demo, "Careers fair plan")
    form = form_with(jo.get(f"/portfolio/items/{item}"), "Save as a new version")
    data = {**form.data("Save as a new version"), "file": (io.BytesIO(PLAN_V2), "plan v2.pdf")}
    edited = jo.post(form.action, data=data, content_type="multipart/form-data", follow_redirects=True)
    assert "Saved as version 2." in page_text(edited)
    with demo.app_context():
        current = db.session.get(EvidenceItem, item).current
        assert (current.number, current.file_name) == (2, "plan v2.pdf")
    (req,) = requests(demo)
    assert req.version_id != current.id

    download = demo.test_client().get(f"/witness/{jo_file}/file")
    assert download.status_code == 200
    assert download.data == PLAN == stored_bytes(demo, req.version_id)
    assert "plan%20v2" not in download.headers["Content-Disposition"]
    assert PLAN_NAME.split()[-1] in download.headers["Content-Disposition"]


def test_witness_of_an_item_without_a_file_gets_no_file(demo, jo):
    ask(jo, f"/witness/items/{item_id(demo, 'Careers fair evaluation')}/request")
    token = last_token(demo)
    assert f"/witness/{token}/file" not in demo.test_client().get(f"/witness/{token}").get_data(as_text=True)
    assert demo.test_client().get(f"/witness/{token}/file").status_code == 404


def test_assessor_asking_with_no_criteria_or_two_modules_sees_the_form_again_with_the_input_kept(demo, jo):
    jo_id, item = user_id(demo, JO), item_id(demo, "Careers fair evaluation")
    tom = signed_in(demo, TOM)
    url = f"/witness/candidates/{jo_id}/request"
    for criteria, message in (
        ([], "Choose at least one criterion the witness can confirm."),
        (["CCQ/M01/M01.1.1", "CCQ/M02/M02.1.1"], "Choose criteria of one module only."),
    ):
        refused = ask(tom, url, follow=False, item=str(item), criteria=criteria)
        assert refused.status_code == 422, criteria
        assert message in page_text(refused), criteria
        kept = form_with(refused, SEND)
        assert ("witness_name", "Sam Reid") in kept.fields
        assert ("witness_email", WITNESS) in kept.fields
        assert ("witness_role", "Deputy headteacher") in kept.fields
        assert [v for k, v in kept.fields if k == "criteria"] == criteria
    assert requests(demo) == []
    assert count(demo, OutboxMessage) == 0
