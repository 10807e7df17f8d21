"""The PDF toolkit (core/web/pdf.py): tagged PDF/UA with its title, language and fonts, drawn from our
static folder only: never a network address, never a file outside the folder."""

from __future__ import annotations

import socket

import pytest

from core.web.pdf import Refused, StaticOnlyFetcher, html_to_pdf
from core.web.qr import qr_data_uri
from tests.support.pdf import font_files, is_tagged, language, pdf_text, title

PAGE = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<title>Transcript for Zoë Ångström</title>
<link rel="stylesheet" href="css/page.css"></head><body><h1>Zoë Ångström</h1>
<table><thead><tr><th scope="col">Module</th></tr></thead><tbody><tr><td>M01 Careers</td></tr></tbody></table>
<img src="{qr}" alt="QR code"></body></html>"""


@pytest.fixture
def static(tmp_path):
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "page.css").write_text('body { font-family: "DejaVu Serif", serif; }')
    (tmp_path / "secret.css").write_text("body { color: red; }")
    return folder


def test_a_page_becomes_a_tagged_pdf_with_its_title_language_and_fonts(static):
    pdf = html_to_pdf(PAGE.format(qr=qr_data_uri("http://waymark.test/verify/X")), static_folder=static)
    assert pdf.startswith(b"%PDF-")
    assert "Zoë Ångström" in pdf_text(pdf)
    assert is_tagged(pdf)
    assert language(pdf) == "en-GB"
    assert title(pdf) == "Transcript for Zoë Ångström"
    fonts = font_files(pdf)
    assert fonts
    assert all(fonts.values()), fonts
    assert any("DejaVu" in name for name in fonts)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/style.css",
        "https://fonts.example/font.woff2",
        "ftp://example.com/x.png",
        "file://otherhost/static/css/page.css",
    ],
)
def test_the_fetcher_refuses_every_network_address(static, url):
    with pytest.raises(Refused):
        StaticOnlyFetcher(static).fetch(url)


def test_the_fetcher_refuses_files_outside_the_static_folder(static):
    fetcher = StaticOnlyFetcher(static)
    for url in (
        (static.parent / "secret.css").as_uri(),
        static.as_uri() + "/../secret.css",
        static.as_uri() + "/css/../../secret.css",
        "file:///etc/passwd",
        static.as_uri() + "/css/missing.css",
    ):
        with pytest.raises(Refused):
            fetcher.fetch(url)


def test_the_fetcher_serves_our_static_files_and_inline_data(static):
    fetcher = StaticOnlyFetcher(static)
    css = fetcher.fetch(static.as_uri() + "/css/page.css")
    assert b"DejaVu Serif" in css.read()
    assert css.content_type == "text/css"
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_a_page_naming_a_network_resource_renders_without_touching_the_network(static, monkeypatch):
    asked = []

    def no_network(*args, **kwargs):
        asked.append(args)
        raise OSError("the app runs on a closed network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    page = PAGE.format(qr="http://tracker.example/pixel.png").replace(
        "</head>", '<link rel="stylesheet" href="https://cdn.example/x.css"></head>'
    )
    pdf = html_to_pdf(page, static_folder=static)
    assert "Zoë Ångström" in pdf_text(pdf)
    assert asked == []
