"""The candidate's choices: the name printed on their certificate, and whether the public page shows their
name and modules. Theirs alone, audited, and used by the PDF and the public page at once."""

from __future__ import annotations

from core.extensions import db
from qualification.certificates.models import Certificate
from tests.support.evidence import audit_rows
from tests.support.html import page_text, press, signed_in
from tests.support.pdf import pdf_text
from tests.support.people import CHRIS, JO, LEADER, TOM


def _row(app, jo) -> Certificate:
    with app.app_context():
        row = db.session.get(Certificate, jo.id)
        db.session.expunge(row)
        return row


def test_candidate_chooses_the_name_printed_and_what_the_public_page_shows(app, jo):
    client = signed_in(app, JO)
    transcript = client.get("/transcript")
    assert f'href="{jo.display}"' in transcript.get_data(as_text=True)
    page = client.get(jo.display)
    assert page.status_code == 200
    assert "How your certificate reads" in page_text(page)

    done = press(
        client,
        page,
        "Save my choices",
        {"name": "  Joanna   Patel-Smith ", "show_name": "y", "show_modules": "y"},
    )
    assert "Your choices for this certificate are saved." in page_text(done)
    row = _row(app, jo)
    assert (row.name_on_certificate, row.show_name, row.show_modules) == ("Joanna Patel-Smith", True, True)
    [audit] = audit_rows(app, "certificate.display_changed")
    assert audit["object_id"] == str(jo.id)
    assert audit["to"] == {"name": "Joanna Patel-Smith", "show_name": True, "show_modules": True}
    assert audit["from"]["name"] == "Jo Patel"

    assert "Joanna Patel-Smith" in pdf_text(client.get(jo.certificate).data)
    public = page_text(app.test_client().get(jo.public))
    assert "Awarded to Joanna Patel-Smith" in public
    assert "Planning and Organising CEIAG Provision" in public

    # Turned off again: the public page stops showing them.
    press(client, client.get(jo.display), "Save my choices", {"show_name": [], "show_modules": []})
    public = page_text(app.test_client().get(jo.public))
    assert "Joanna" not in public
    assert "Planning and Organising CEIAG Provision" not in public


def test_a_blank_name_is_refused_and_nothing_changes(app, jo):
    client = signed_in(app, JO)
    response = press(client, client.get(jo.display), "Save my choices", {"name": "   ", "show_name": "y"})
    assert response.status_code == 422
    assert "Enter the name to print on your certificate." in page_text(response)
    row = _row(app, jo)
    assert (row.name_on_certificate, row.show_name) == ("Jo Patel", False)
    assert audit_rows(app, "certificate.display_changed") == []


def test_a_name_too_long_is_refused(app, jo):
    client = signed_in(app, JO)
    response = press(client, client.get(jo.display), "Save my choices", {"name": "J" * 201})
    assert response.status_code == 422
    assert "Keep the name under 200 characters." in page_text(response)
    assert _row(app, jo).name_on_certificate == "Jo Patel"


def test_staff_cannot_change_the_choices_and_other_candidates_cannot_see_them(app, jo):
    for email in (LEADER, TOM):
        assert signed_in(app, email).get(jo.display).status_code == 403, email
    chris = signed_in(app, CHRIS)
    assert chris.get(jo.display).status_code == 404
    assert "certificate-downloads" not in chris.get("/transcript").get_data(as_text=True)
    # The staff view of Jo's transcript offers the downloads, not the candidate's choices.
    row = _row(app, jo)
    staff_view = signed_in(app, LEADER).get(
        f"/cohorts/{row.cohort_id}/candidates/{row.candidate_id}/transcript"
    )
    body = staff_view.get_data(as_text=True)
    assert f'href="{jo.certificate}"' in body
    assert f'href="{jo.display}"' not in body
