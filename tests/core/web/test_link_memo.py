"""Links are remembered per worker (core/web/security.py, WaymarkFlask.url_for): the same link as building it,
whatever the request's script root, and never for static files, whose fingerprint follows the file."""

from __future__ import annotations

from flask import url_for

from core.web import security


def test_a_remembered_link_is_the_link_built(app):
    with app.test_request_context("/"):
        first = url_for("modules.study.show_module", family="CCQ", code="M01")
        again = url_for("modules.study.show_module", family="CCQ", code="M01")
        other = url_for("modules.study.show_module", family="CCQ", code="M02")
        flagged = url_for("core.home.home", page=True)
        counted = url_for("core.home.home", page=1)
    assert first == again == "/study/CCQ/M01"
    assert other == "/study/CCQ/M02"
    assert (flagged, counted) == ("/?page=True", "/?page=1")


def test_links_follow_the_script_root(app):
    with app.test_request_context("/", base_url="http://localhost/waymark/"):
        assert url_for("core.home.home") == "/waymark/"
    with app.test_request_context("/"):
        assert url_for("core.home.home") == "/"


def test_static_and_external_links_are_built_each_time(app):
    with app.test_request_context("/"):
        url_for("static", filename="css/app.css")
        url_for("core.home.home", _external=True)
        url_for("core.home.home", _anchor="main")
    assert not any(key[1] == "static" for key in app._url_memo)
    assert all(key[1] != "core.home.home" or len(key) == 2 for key in app._url_memo)


def test_the_memo_is_bounded(app, monkeypatch):
    monkeypatch.setattr(security, "URL_MEMO_SIZE", 3)
    with app.test_request_context("/"):
        links = [url_for("modules.study.show_module", family="CCQ", code=f"M{n:02d}") for n in range(10)]
    assert links[9] == "/study/CCQ/M09"
    assert len(app._url_memo) <= 3
