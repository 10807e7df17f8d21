"""The public check (/verify): anyone, without an account, learns whether a certificate is genuine and
valid, and only what its holder chose to show; numbers are typed forgivingly; guesses are throttled."""

from __future__ import annotations

from sqlalchemy import func, select

from core.accounts.models import LoginAttempt
from core.db.timeutil import uk_today
from core.extensions import db
from qualification.certificates.models import Certificate
from tests.support.certificates import revoke_directly
from tests.support.html import csrf_from, page_text, press, signed_in
from tests.support.people import JO

AWARD = "Professional Certificate in Careers Coordination"
UNKNOWN = "WM-0000-0000-0000-0000"


def _counted(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(LoginAttempt.id)).where(LoginAttempt.kind == "verify"))


def _show(app, jo, **choices) -> None:
    with app.app_context():
        row = db.session.get(Certificate, jo.id)
        for key, value in choices.items():
            setattr(row, key, value)
        db.session.commit()


def test_anyone_checks_a_valid_certificate_without_an_account(app, jo):
    response = app.test_client().get(jo.public)
    assert response.status_code == 200
    text = page_text(response)
    for words in (
        f"Certificate {jo.number}",
        "Valid",
        "Northmoor University issued this certificate and has not revoked it.",
        f"Award {AWARD}",
        "Level 6 (FHEQ)",
        "Credits 60 (30 ECTS)",
        "Ratified by the exam board on 1 July 2027",
        "Awarded by Northmoor University",
    ):
        assert words in text, words
    # The holder has not chosen to show their name or modules.
    assert "Patel" not in response.get_data(as_text=True)
    assert "Planning and Organising" not in text
    assert "Check a name" in text
    # Nobody's certificate leaks through a Referer, or into a search engine.
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.get_data(as_text=True)
    assert _counted(app) == 0  # a real certificate, however often it is checked, is never a guess


def test_the_name_and_modules_appear_only_when_the_holder_chose_them(app, jo):
    _show(app, jo, show_name=True)
    text = page_text(app.test_client().get(jo.public))
    assert "Awarded to Jo Patel" in text
    assert "Check a name" not in text
    assert "Planning and Organising" not in text
    _show(app, jo, show_name=False, show_modules=True)
    text = page_text(app.test_client().get(jo.public))
    assert "Patel" not in text
    for module in ("M01 Communicating and Working with Others in CEIAG", "M03 Pathways, Progression"):
        assert module in text
    assert "Total 60" in text


def test_a_revoked_certificate_says_so_with_its_date_but_not_why(app, jo):
    revoke_directly(app, jo.number, reason="Malpractice found in the M03 portfolio")
    response = app.test_client().get(jo.public)
    assert response.status_code == 200
    text = page_text(response)
    assert "Revoked" in text
    assert f"revoked this certificate on {uk_today().strftime('%-d %B %Y')}" in text
    assert "Valid" not in text
    assert "Malpractice" not in text
    assert AWARD in text


def test_an_unknown_number_is_not_found_and_counted(app, jo):
    response = app.test_client().get(f"/verify/{UNKNOWN}")
    assert response.status_code == 404
    text = page_text(response)
    assert "No certificate has this number" in text
    assert UNKNOWN in text
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert _counted(app) == 1


def test_a_number_typed_with_spaces_and_small_letters_finds_the_certificate(app, jo):
    client = app.test_client()
    form = client.get("/verify")
    assert form.status_code == 200
    assert "Certificate number" in page_text(form)
    typed = "  " + jo.number.lower().replace("-", " ") + " "
    response = client.get("/verify", query_string={"number": typed})
    assert response.headers["Location"] == f"/verify/{jo.number}"
    assert "Valid" in page_text(client.get(response.headers["Location"]))
    # Typed straight into the address bar, and with O for 0, I or L for 1.
    looks_alike = jo.number.lower().replace("0", "o").replace("1", "l")
    assert client.get(f"/verify/{looks_alike}").headers["Location"] == f"/verify/{jo.number}"


def test_a_typed_number_that_cannot_be_one_is_explained(app, jo):
    client = app.test_client()
    for typed in ("hello", "WM-1234", "x" * 5000, "W\u041c-\u0416\u0416\u0416\u0416-0000-0000-0000", ""):
        response = client.get("/verify", query_string={"number": typed})
        assert response.status_code == 400, typed[:20]
        text = page_text(response)
        assert "There is a problem" in text
        assert ("That is not a certificate number" in text) or ("Enter the certificate number." in text)
    assert _counted(app) == 0


def test_garbage_in_the_address_is_not_found_without_an_error(app, jo):
    client = app.test_client()
    for path in (
        "/verify/" + "A" * 5000,
        "/verify/%E2%80%AEWM-%00",
        "/verify/..%2F..%2Fetc%2Fpasswd",
        "/verify/..%5C..%5Cwindows",
        "/verify/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/verify/WM-%F0%9F%98%80%F0%9F%98%80",
        "/verify/%ff%fe",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        body = response.get_data(as_text=True)
        assert "<script>alert" not in body
        assert "Traceback" not in body


def test_a_name_check_answers_without_revealing_the_name(app, jo):
    client = app.test_client()
    page = client.get(jo.public)
    matched = press(client, page, "Check the name", {"name": "  jo   PATEL "})
    assert matched.status_code == 200
    assert "It matches." in page_text(matched)
    wrong = press(client, client.get(jo.public), "Check the name", {"name": "Joe Bloggs"})
    text = page_text(wrong)
    assert "It does not match." in text
    assert "Patel" not in wrong.get_data(as_text=True)
    empty = press(client, client.get(jo.public), "Check the name", {"name": "  "})
    assert empty.status_code == 422
    assert "Enter the name you were given." in page_text(empty)
    assert _counted(app) == 2  # each answered check counts against the address and the certificate


def test_a_name_check_needs_the_forms_token(app, jo):
    response = app.test_client().post(f"{jo.public}/name", data={"name": "Jo Patel"})
    assert response.status_code == 400
    assert _counted(app) == 0


def test_too_many_guesses_from_one_address_are_refused(app, jo):
    app.config["WAYMARK_VERIFY_MAX_LOOKUPS"] = 3
    client = app.test_client()
    for _ in range(5):  # a real certificate does not count
        assert client.get(jo.public).status_code == 200
    for n in range(3):
        assert client.get(f"/verify/WM-0000-0000-0000-000{n}").status_code == 404
    refused = client.get("/verify/WM-0000-0000-0000-0009")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "900"
    assert "Too many certificate checks have come from your network recently" in page_text(refused)
    assert "wait 15 minutes" in page_text(refused)
    # Once refused, a real number is refused too: the answer must not tell real numbers from guesses.
    assert client.get(jo.public).status_code == 429
    # Another address is not held back.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert other.get(jo.public).status_code == 200


def test_name_checks_against_one_certificate_are_limited_from_any_address(app, jo):
    app.config["WAYMARK_VERIFY_MAX_NAME_CHECKS"] = 2
    answers = []
    for n in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        token = csrf_from(client.get(jo.public).get_data(as_text=True))
        answers.append(client.post(f"{jo.public}/name", data={"name": f"Guess {n}", "csrf_token": token}))
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert "Retry-After" in answers[2].headers
    assert _counted(app) == 2


def test_the_candidate_sees_their_own_public_page_from_the_transcript(app, jo):
    client = signed_in(app, JO)
    assert f'href="{jo.public}"' in client.get("/transcript").get_data(as_text=True)
    assert "Valid" in page_text(client.get(jo.public))
