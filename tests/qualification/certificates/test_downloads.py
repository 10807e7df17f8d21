"""The certificate and its transcript as PDF: downloaded by the candidate from their transcript and by the
staff who may see it; nobody else learns they exist; a revoked certificate is never handed out again."""

from __future__ import annotations

import re
from datetime import date

from core.extensions import db
from qualification.certificates.models import Certificate
from qualification.results.models import AchievedBy
from tests.support.certificates import ratify_directly, revoke_directly, transcript_snapshot
from tests.support.html import page_text, signed_in
from tests.support.pdf import font_files, is_tagged, language, pdf_text, title
from tests.support.people import CHRIS, JO, LEADER, SAM, TOM
from tests.support.transcript import achieve, load_demo_world

AWARD = "Professional Certificate in Careers Coordination"
MODULES = {
    "M01": "Communicating and Working with Others in CEIAG",
    "M02": "Planning and Organising CEIAG Provision",
    "M03": "Pathways, Progression and Careers Information (14-19)",
    "M04": "Teaching and Learning in Careers Education",
}


def _download_links(response) -> list[str]:
    block = re.search(
        r'<ul class="certificate-downloads[^"]*">(.*?)</ul>', response.get_data(as_text=True), re.S
    )
    assert block, "no downloads on the transcript"
    return re.findall(r'href="([^"]+\.pdf)"', block.group(1))


def test_candidate_downloads_their_certificate_from_their_transcript(app, jo):
    client = signed_in(app, JO)
    transcript = client.get("/transcript")
    assert f"Certificate {jo.number}" in page_text(transcript)
    assert _download_links(transcript) == [jo.certificate, jo.transcript]

    response = client.get(jo.certificate)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="Certificate {jo.number}.pdf"' in disposition
    text = pdf_text(response.data)
    for words in (
        "Northmoor University",
        "Jo Patel",
        AWARD,
        "Level 6 (FHEQ), 60 credits",
        "ratified by the exam board on 1 July 2027",
        jo.number,
        f"http://waymark.test/verify/{jo.number}",
    ):
        assert words in text, words


def test_the_certificate_is_a_tagged_pdf_with_its_fonts_embedded(app, jo):
    pdf = signed_in(app, JO).get(jo.certificate).data
    assert is_tagged(pdf)
    assert language(pdf) == "en-GB"
    assert title(pdf) == f"Certificate {jo.number}: {AWARD}, Jo Patel"
    fonts = font_files(pdf)
    assert fonts
    assert all(fonts.values()), fonts


def test_the_transcript_lists_every_module_and_names_prior_learning(app):
    load_demo_world(app)
    achieve(app, JO, "M01", date(2026, 11, 2))
    achieve(app, JO, "M02", date(2026, 10, 1), how=AchievedBy.APL, source="apl:M02-jo")
    achieve(app, JO, "M04", date(2027, 1, 11))
    achieve(app, JO, "M03", date(2027, 3, 1))
    number = ratify_directly(app, snapshot=transcript_snapshot(app))
    client = signed_in(app, JO)
    link = _download_links(client.get("/transcript"))[1]

    response = client.get(link)
    assert response.status_code == 200
    assert f'filename="Transcript {number}.pdf"' in response.headers["Content-Disposition"]
    pdf = response.data
    text = pdf_text(pdf)
    for code, module in MODULES.items():
        assert f"{code} {module}" in text, text
    assert text.count("Recognised prior learning (APL)") == 1  # M02, in its row
    assert text.count("Assessed") == 3
    assert "of which 15 by recognised prior learning (APL)" in text
    assert "Total 60" in text
    for words in ("Jo Patel", AWARD, "1 October 2026", number, f"http://waymark.test/verify/{number}"):
        assert words in text, words
    assert is_tagged(pdf)
    assert all(font_files(pdf).values())


def test_staff_who_may_see_the_transcript_download_too(app, jo):
    for email in (TOM, SAM, LEADER):  # Jo's assessor, the cohort's IQA, the course leader
        client = signed_in(app, email)
        for url in (jo.certificate, jo.transcript):
            response = client.get(url)
            assert response.status_code == 200, (email, url)
            assert jo.number in pdf_text(response.data)


def test_another_candidate_cannot_download_jos_certificate(app, jo):
    chris = signed_in(app, CHRIS)
    for url in (jo.certificate, jo.transcript, jo.display):
        response = chris.get(url)
        assert response.status_code == 404, url
        assert jo.number not in response.get_data(as_text=True)
    assert chris.get("/certificates/999999/certificate.pdf").status_code == 404


def test_nobody_signed_out_downloads_a_certificate(app, jo):
    response = app.test_client().get(jo.certificate)
    assert response.headers["Location"].startswith("/login?next=")


def test_a_revoked_certificate_cannot_be_downloaded(app, jo):
    revoke_directly(app, jo.number)
    client = signed_in(app, JO)
    transcript = client.get("/transcript")
    assert "Revoked" in page_text(transcript)
    assert 'class="certificate-downloads' not in transcript.get_data(as_text=True)
    for url in (jo.certificate, jo.transcript):
        response = client.get(url)
        assert response.status_code == 410, url
        assert response.mimetype == "text/html"
        text = page_text(response)
        assert "This certificate was revoked" in text
        assert "can no longer be downloaded" in text
    # Staff are refused the same way: a revoked award is not reissued from the office either.
    assert signed_in(app, LEADER).get(jo.certificate).status_code == 410


def test_the_university_is_the_configured_one(app, jo):
    app.config["WAYMARK_UNIVERSITY"] = "University of Eastbrook"
    text = pdf_text(signed_in(app, JO).get(jo.certificate).data)
    assert "University of Eastbrook" in text
    assert "Northmoor" not in text
    with app.app_context():
        assert db.session.get(Certificate, jo.id).is_valid
