"""Competence sign-off from the candidate's workplace page: sign off, refusals that change nothing, withdraw
with a reason, what the candidate sees, and the query the marking page uses."""

from __future__ import annotations

from sqlalchemy import func, select

from assessors.workplace.models import CompetenceSignoff
from assessors.workplace.services.signoffs import signoffs_for
from core.extensions import db
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.evidence import audit_rows
from tests.support.html import csrf_from, page_text, press, signed_in
from tests.support.people import CHRIS, HELEN, JO, TOM, user_id

SIGN = "Sign off the criterion"


demo = demo_fixture(load_study_demo)


def workplace(client, jo: int):
    return client.get(f"/assessors/candidates/{jo}/workplace")


def sign_off(client, jo: int, *, follow=True, **changes):
    data = {
        "criterion": "CCQ/M01/M01.1.3",
        "basis": "Professional discussion on 3 March",
        "note_md": "Explained how the **referral** route works.",
        "signed_name": "Tom Okafor",
        **changes,
    }
    return press(client, workplace(client, jo), SIGN, data, follow=follow)


def signoff_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CompetenceSignoff))


def test_assessor_can_sign_off_a_criterion_and_the_candidate_sees_it(demo):
    tom, jo, tom_id = signed_in(demo, TOM), user_id(demo, JO), user_id(demo, TOM)
    done = sign_off(tom, jo)
    assert "M01.1.3 signed off." in page_text(done)
    assert "Professional discussion on 3 March. Signed by Tom Okafor" in page_text(done)
    with demo.app_context():
        found = signoffs_for(jo, "CCQ", "M01")
        assert list(found) == ["M01.1.3"]
        signoff = found["M01.1.3"][0]
        assert (signoff.assessor_id, signoff.basis) == (tom_id, "Professional discussion on 3 March")
        assert signoffs_for(jo, "CCQ", "M02") == {}
    rows = audit_rows(demo, "competence_signed_off")
    assert [(r["actor"], r["criterion"]) for r in rows] == [(TOM, "CCQ/M01/M01.1.3")]
    assert len(rows[0]["signoff_hash"]) == 64

    mine = page_text(signed_in(demo, JO).get("/assessors/workplace"))
    assert "M01.1.3" in mine
    assert "Signed off Professional discussion on 3 March" in mine


def test_assessor_cannot_sign_off_with_bad_input_and_nothing_changes(demo):
    tom, jo = signed_in(demo, TOM), user_id(demo, JO)
    for changes, message in (
        ({"criterion": ""}, "Choose a criterion."),
        ({"signed_name": "Helen Marsh"}, "Type your full name exactly as it is on your account to sign."),
        ({"signed_name": ""}, "Type your full name to sign."),
        ({"basis": ""}, "Say what the sign-off rests on"),
        ({"criterion": "CCQ/M01/M99.9.9"}, "Choose a criterion of the module."),
        ({"criterion": "CCQ/M77/M01.1.3"}, "Choose a module the candidate studies now."),
    ):
        refused = sign_off(tom, jo, follow=False, **changes)
        assert refused.status_code == 422, changes
        assert message in page_text(refused), changes
    assert signoff_count(demo) == 0
    assert audit_rows(demo, "competence_signed_off") == []
    sign_off(tom, jo)
    twice = sign_off(tom, jo, follow=False)
    assert twice.status_code == 422
    assert "already signed off" in page_text(twice)
    assert signoff_count(demo) == 1


def test_assessor_can_withdraw_a_sign_off_with_a_reason(demo):
    tom, jo = signed_in(demo, TOM), user_id(demo, JO)
    page = sign_off(tom, jo)
    no_reason = press(tom, page, "Withdraw the sign-off of M01.1.3", {"reason": ""}, follow=False)
    assert no_reason.status_code == 422
    assert "Give the reason for withdrawing" in page_text(no_reason)
    with demo.app_context():
        assert list(signoffs_for(jo, "CCQ", "M01")) == ["M01.1.3"]
    done = press(tom, page, "Withdraw the sign-off of M01.1.3", {"reason": "Signed for the wrong candidate."})
    assert "Sign-off of M01.1.3 withdrawn." in page_text(done)
    with demo.app_context():
        assert signoffs_for(jo, "CCQ", "M01") == {}
        kept = signoffs_for(jo, "CCQ", "M01", include_withdrawn=True)["M01.1.3"][0]
        assert kept.withdrawn_at is not None
    assert [r["reason"] for r in audit_rows(demo, "competence_signoff_withdrawn")] == [
        "Signed for the wrong candidate."
    ]
    again = press(tom, page, "Withdraw the sign-off of M01.1.3", {"reason": "Again."}, follow=False)
    assert again.status_code == 409
    # Signed off afresh once the old one is withdrawn.
    assert "M01.1.3 signed off." in page_text(sign_off(tom, jo))


def test_other_assessor_and_candidates_cannot_sign_off_or_withdraw(demo):
    tom, jo = signed_in(demo, TOM), user_id(demo, JO)
    page = sign_off(tom, jo)
    with demo.app_context():
        signoff_id = db.session.scalar(select(CompetenceSignoff.id))
    for email, expected in ((HELEN, 404), (JO, 403), (CHRIS, 403)):
        client = signed_in(demo, email)
        token = csrf_from(client.get("/account").get_data(as_text=True))
        attempt = client.post(
            f"/assessors/candidates/{jo}/signoffs",
            data={"csrf_token": token, "criterion": "CCQ/M01/M01.1.1", "basis": "x", "signed_name": "x"},
        )
        assert attempt.status_code == expected, email
        withdraw = client.post(
            f"/assessors/signoffs/{signoff_id}/withdraw", data={"csrf_token": token, "reason": "Not mine."}
        )
        assert withdraw.status_code == expected, email
    assert signoff_count(demo) == 1
    with demo.app_context():
        assert list(signoffs_for(jo, "CCQ", "M01")) == ["M01.1.3"]
    assert page.status_code == 200
