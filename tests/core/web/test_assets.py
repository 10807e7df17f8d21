"""Static files are linked by their content's fingerprint and cached for a year; a changed file gets a new
URL. Responses are compressed for the site's own requests, decode to the same bytes, and keep their
conditional requests and ranges; personal pages asked for by another site are not compressed (BREACH);
downloads are left alone, the streamed CSV still streams."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from pathlib import Path

import brotli
import pytest
from flask import url_for

from tests.support.demo import demo_fixture, load_demo_data
from tests.support.html import login
from tests.support.people import DEMO_PASSWORD, LEADER

ROOT = Path(__file__).resolve().parents[3]
SAME_SITE = {"Sec-Fetch-Site": "same-origin", "Accept-Encoding": "gzip, deflate, br"}
YEAR = "public, max-age=31536000, immutable"

demo = demo_fixture(load_demo_data)


def _linked_assets(client) -> list[str]:
    page = client.get("/login").get_data(as_text=True)
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def _decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.data)
    if encoding == "gzip":
        return gzip.decompress(response.data)
    assert encoding is None, encoding
    return response.data


def _without_tokens(body: bytes) -> bytes:
    # The CSRF token is signed with the second it was made in, so two renderings of a page may differ there.
    return re.sub(rb'name="csrf_token" value="[^"]+"', b"", body)


def test_pages_link_static_files_by_the_hash_of_their_bytes_and_those_urls_are_cached_for_a_year(client):
    assets = _linked_assets(client)
    assert {a.split("?")[0] for a in assets} >= {"/static/css/app.css", "/static/js/app.js"}
    for url in assets:
        path, _, query = url.partition("?")
        content = (ROOT / path.lstrip("/")).read_bytes()
        assert query == f"v={hashlib.sha256(content).hexdigest()[:16]}"
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == YEAR
        assert "Set-Cookie" not in response.headers
        assert response.data == content


def test_unfingerprinted_and_stale_static_urls_get_a_short_lifetime(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=0123456789abcdef"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300"


def test_a_changed_file_gets_a_new_url_at_once(app, client, tmp_path):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "app.css"
    sheet.write_text("body { color: black; }\n")
    app.static_folder = str(tmp_path)
    with app.test_request_context():
        before = url_for("static", filename="css/app.css")
    sheet.write_text("body { color: navy; }\n")
    with app.test_request_context():
        after = url_for("static", filename="css/app.css")
    assert before != after
    response = client.get(after)
    assert response.data == b"body { color: navy; }\n"
    assert response.headers["Cache-Control"] == YEAR
    # The old page's URL still answers, but with the short lifetime: its bytes are not the ones it named.
    assert client.get(before).headers["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_static_files_are_compressed_and_decode_to_the_file(client, encoding):
    url = next(a for a in _linked_assets(client) if "app.js" in a)
    response = client.get(url, headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert "Accept-Encoding" in response.headers["Vary"]
    assert _decoded(response) == (ROOT / "static/js/app.js").read_bytes()
    assert len(response.data) < len(_decoded(response)) / 2
    # The browser's revalidation (after a hard reload) gets a 304 with no body.
    again = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_a_range_of_a_static_file_is_the_files_bytes_uncompressed(client):
    response = client.get("/static/css/app.css", headers={**SAME_SITE, "Range": "bytes=0-99"})
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    assert response.data == (ROOT / "static/css/app.css").read_bytes()[:100]


def test_the_sites_own_requests_get_pages_compressed_and_they_decode_to_the_same_page(demo):
    client = demo.test_client()
    login(client, "candidate@school.example", DEMO_PASSWORD)
    for path in ("/", "/study/CCQ/M01"):
        plain = client.get(path)
        compressed = client.get(path, headers=SAME_SITE)
        assert plain.status_code == compressed.status_code == 200
        assert "Content-Encoding" not in plain.headers
        assert compressed.headers["Content-Encoding"] == "br"
        assert _without_tokens(_decoded(compressed)) == _without_tokens(plain.data)
        assert len(compressed.data) < len(plain.data) / 2


def test_personal_pages_asked_for_by_another_site_are_not_compressed(demo):
    # BREACH: another site makes the browser ask, with text of its choosing reflected beside the CSRF token,
    # and reads the secret from the lengths. The browser names such requests; they get the page uncompressed.
    client = demo.test_client()
    login(client, "candidate@school.example", DEMO_PASSWORD)
    for site in ("cross-site", "same-site", None):
        headers = {"Accept-Encoding": "gzip, br"} | ({"Sec-Fetch-Site": site} if site else {})
        response = client.get("/study/planner?minutes=40", headers=headers)
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers, site
        assert b'name="csrf_token"' in response.data


def test_the_streamed_csv_download_is_not_compressed_and_still_streams(demo):
    client = demo.test_client()
    login(client, LEADER, DEMO_PASSWORD)
    response = client.get("/cohorts/1/report.csv", headers=SAME_SITE)
    assert response.status_code == 200
    assert response.is_streamed
    assert "Content-Encoding" not in response.headers
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows
    assert "Name" in rows[0]
