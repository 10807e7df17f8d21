"""Course leaders attach files to lessons and resources; candidates studying the module download them."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.extensions import db
from core.files.filetypes import HTML_MESSAGE, PROGRAM_MESSAGE
from core.files.storage import get_store
from core.web.markdown import render_markdown
from modules.content.models import ActivityFile
from portfolio.files.services import sweep
from tests.cross.idor.world import tiny_png
from tests.support.demo import activity_id, load_study_demo
from tests.support.html import csrf_from, login
from tests.support.people import DEMO_PASSWORD, JO, LEADER, make_user

LESSON = "Holding a needs conversation"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120


@pytest.fixture
def lesson(app):
    load_study_demo(app)
    found = activity_id(app, "M01", LESSON)
    return found, f"/authoring/CCQ/M01/activities/{found}"


def _attach(client, page: str, data: bytes, name: str):
    token = csrf_from(client.get(page).get_data(as_text=True))
    upload = {"csrf_token": token, "file": (io.BytesIO(data), name)}
    return client.post(page + "/files", data=upload, content_type="multipart/form-data")


def _files(app, activity: int) -> list[tuple[int, str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(ActivityFile).where(ActivityFile.activity_id == activity))
        return [(f.id, f.name, f.kind) for f in rows]


def test_course_leader_can_attach_files_and_candidate_can_download_them(app, client, lesson):
    activity, page = lesson
    login(client, LEADER, DEMO_PASSWORD)
    assert _attach(client, page, PDF, "handout.pdf").status_code == 302
    response = _attach(client, page, tiny_png(3), "chart.png")
    assert response.status_code == 302
    (pdf_id, pdf_name, pdf_kind), (png_id, _, png_kind) = _files(app, activity)
    assert (pdf_name, pdf_kind, png_kind) == ("handout.pdf", "pdf", "png")
    text = client.get(page).get_data(as_text=True)
    assert f"![description](/study/files/{png_id})" in text
    assert f"![description](/study/files/{pdf_id})" not in text  # only images get a snippet
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("activity_file_added") == 2

    jo = app.test_client()
    login(jo, JO, DEMO_PASSWORD)
    assert "Download: handout.pdf" in jo.get(f"/study/CCQ/M01/{activity}").get_data(as_text=True)
    pdf = jo.get(f"/study/files/{pdf_id}")
    assert pdf.status_code == 200
    assert pdf.data == PDF
    assert pdf.headers["Content-Disposition"].startswith('attachment; filename="handout.pdf"')
    assert pdf.headers["Content-Type"] == "application/octet-stream"
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    png = jo.get(f"/study/files/{png_id}")
    assert png.status_code == 200
    assert png.headers["Content-Type"] == "image/png"
    assert png.headers["Content-Disposition"].startswith("inline;")
    assert png.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (EXE, "handout.pdf", PROGRAM_MESSAGE),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg", HTML_MESSAGE),
    ],
)
def test_course_leader_cannot_attach_programs_or_svg(app, client, lesson, data, name, message):
    activity, page = lesson
    login(client, LEADER, DEMO_PASSWORD)
    response = _attach(client, page, data, name)
    assert response.status_code == 422
    assert message.replace("'", "&#39;") in response.get_data(as_text=True)
    assert _files(app, activity) == []


def test_candidate_cannot_download_files_of_a_module_they_do_not_study(app, client, lesson):
    activity, page = lesson
    login(client, LEADER, DEMO_PASSWORD)
    _attach(client, page, PDF, "handout.pdf")
    (file_id, _, _), *_ = _files(app, activity)
    stranger = make_user(app, "stranger@school.example")
    other = app.test_client()
    login(other, stranger.email, stranger.password)
    assert other.get(f"/study/files/{file_id}").status_code == 404
    assert other.get("/study/files/999999").status_code == 404


def test_sweep_keeps_blobs_that_activity_files_use(app, client, lesson):
    activity, page = lesson
    login(client, LEADER, DEMO_PASSWORD)
    _attach(client, page, tiny_png(9), "chart.png")
    (file_id, _, _), *_ = _files(app, activity)
    with app.app_context():
        sha256 = db.session.get(ActivityFile, file_id).sha256
        sweep(grace_seconds=0)
        assert get_store(app).exists(sha256)
    token = csrf_from(client.get(page).get_data(as_text=True))
    removed = client.post(f"{page}/files/{file_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    assert _files(app, activity) == []
    with app.app_context():
        sweep(grace_seconds=0)
        assert not get_store(app).exists(sha256)


def test_markdown_shows_only_images_of_activity_files():
    assert 'src="/study/files/1"' in render_markdown("![x](/study/files/1)")
    assert "src=" not in render_markdown("![x](javascript:alert(1))")
    assert "src=" not in render_markdown("![x](https://evil/x.png)")
