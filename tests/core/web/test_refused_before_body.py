"""A request the route gate refuses is answered before its body is read (issue 15): an anonymous multipart
upload of a few MiB gets the sign-in redirect without a byte of it read or a temp file made in the store
(the CSRF check, which reads the form, used to parse and spool it first)."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from core.files.uploads import UploadRequest
from tests.support.html import login, page_text
from tests.support.uploads import temp_files

UPLOAD = "/portfolio/new?kind=file"


class RecordingInput(io.BytesIO):
    """The request body as the server hands it over, counting what the app reads of it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk

    def readinto(self, buffer):
        n = super().readinto(buffer)
        self.taken += n
        return n

    def readline(self, size=-1):
        line = super().readline(size)
        self.taken += len(line)
        return line


@pytest.fixture
def spools(monkeypatch):
    made = []
    real = UploadRequest._get_file_stream

    def recording(self, *args, **kwargs):
        made.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(UploadRequest, "_get_file_stream", recording)
    return made


def _post_upload(client, size: int = 4 << 20):
    boundary, body = encode_multipart(
        {
            "csrf_token": "whatever the form had",
            "title": "Slides",
            "file": FileStorage(
                io.BytesIO(b"%PDF-1.4\n" + b"x" * size), "slides.pdf", content_type="application/pdf"
            ),
        }
    )
    assert len(body) > size
    stream = RecordingInput(body)
    response = client.post(
        UPLOAD,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        environ_overrides={"wsgi.input": stream},
    )
    return response, stream


def test_anonymous_upload_is_sent_to_sign_in_before_its_body_is_read(app, client, spools):
    response, body = _post_upload(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/portfolio/new?kind%3Dfile"
    assert body.taken == 0
    assert spools == []
    assert temp_files(app) == []


def test_signed_in_person_without_the_role_is_refused_before_the_body_is_read(
    app, client, course_leader, spools
):
    assert "Hello" in page_text(login(client, course_leader.email))
    response, body = _post_upload(client)
    assert response.status_code == 403
    assert body.taken == 0
    assert spools == []


def test_public_forms_are_still_read(client, candidate):
    # The login form is public: its body is read and checked as before (CSRF, then the password).
    assert "Hello, Casey Candidate" in page_text(login(client, candidate.email))
    refused = client.post("/login", data={"email": candidate.email, "password": "x"})
    assert refused.status_code == 400
    assert "nothing was changed" in page_text(refused)
