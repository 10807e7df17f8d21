"""The cohort report's table a page at a time (issue 15: 20,000 candidates made a 6 MB page): a page of
candidates by name, Previous and Next links that keep the filters, the totals and the downloads still about
every candidate, and a page's queries the same whatever the cohort's size."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

import qualification.results.queries.report as report_queries
from core.db.querycount import count_queries
from core.extensions import db
from tests.support.people import LEADER
from tests.support.report import grow, leader_client, table
from tests.support.transcript import cohort_id, load_demo_world

PAGE = 5


@pytest.fixture
def demo(app, monkeypatch):
    load_demo_world(app)
    monkeypatch.setattr(report_queries, "PAGE_SIZE", PAGE)
    return app


def _nav(html: str) -> str:
    found = re.search(r'<nav class="pagination" aria-label="Pages of candidates">(.*?)</nav>', html, re.S)
    assert found, "no pagination landmark named for what it pages"
    return found.group(1)


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', _nav(html))
    return unescape(found.group(1)) if found else None


def _pages(client, url: str) -> list[str]:
    """Every page's HTML, following Next from `url` until there is none."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True))
        url = _link(pages[-1], "next")
    return pages


def test_the_report_shows_a_page_of_candidates_and_next_leads_through_all_of_them(demo):
    grow(demo, 12)
    client = leader_client(demo, LEADER)
    base = f"/cohorts/{cohort_id(demo)}/report"
    pages = _pages(client, base)
    assert len(pages) == 3
    names = [list(table(html)) for html in pages]
    assert [len(n) for n in names] == [5, 5, 2]
    everyone = [name for page in names for name in page]
    assert len(set(everyone)) == 12
    assert everyone == sorted(everyone, key=str.lower)
    first = " ".join(pages[0].split())
    assert "Candidates 1 to 5 of 12, by name, 5 a page." in first
    # The totals are about every candidate, not the page.
    assert "12 candidates" in first
    assert _link(pages[0], "prev") is None
    second = " ".join(pages[1].split())
    assert "Candidates 6 to 10 of 12" in second
    # Previous goes back to the first page's candidates.
    back = client.get(_link(pages[1], "prev")).get_data(as_text=True)
    assert list(table(back)) == names[0]
    assert _link(pages[2], "next") is None
    # The links say what they do to a screen reader ("Next page"), the arrow is hidden from it.
    assert 'rel="next">Next<span class="visually-hidden"> page</span><span aria-hidden="true">' in _nav(
        pages[0]
    )


def test_the_next_link_keeps_the_filters(demo):
    grow(demo, 12)
    client = leader_client(demo, LEADER)
    base = f"/cohorts/{cohort_id(demo)}/report?module=M01&progress=yes"
    pages = _pages(client, base)
    assert "module=M01" in _link(pages[0], "next")
    assert "progress=yes" in _link(pages[0], "next")
    shown = [name for html in pages for name in table(html)]
    # grow() gives each of its nine candidates M01; the demo's three have none yet.
    assert len(shown) == len(set(shown)) == 9
    assert all(name.startswith("Extra") for name in shown)


def test_a_cursor_that_names_nobody_shows_the_first_page(demo):
    grow(demo, 12)
    client = leader_client(demo, LEADER)
    base = f"/cohorts/{cohort_id(demo)}/report"
    first = list(table(client.get(base).get_data(as_text=True)))
    for cursor in ("?after=999999", "?after=abc", "?before=-1"):
        response = client.get(base + cursor)
        assert response.status_code == 200
        assert list(table(response.get_data(as_text=True))) == first


def test_the_csv_has_every_candidate_however_many_pages_the_table_has(demo):
    grow(demo, 12)
    client = leader_client(demo, LEADER)
    page = client.get(f"/cohorts/{cohort_id(demo)}/report").get_data(as_text=True)
    assert "have all 12" in " ".join(page.split())
    response = client.get(f"/cohorts/{cohort_id(demo)}/report.csv")
    assert response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == len({row["Email"] for row in rows}) == 12


def _queries(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    with count_queries(engine) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_a_page_runs_the_same_queries_for_7_and_50_candidates(demo):
    client = leader_client(demo, LEADER)
    base = f"/cohorts/{cohort_id(demo)}/report"
    grow(demo, 7)
    client.get(base)  # the first request after start reads the qualification's tree
    second = _link(client.get(base).get_data(as_text=True), "next")
    small = [_queries(demo, client, base), _queries(demo, client, second)]
    grow(demo, 50)
    second = _link(client.get(base).get_data(as_text=True), "next")
    large = [_queries(demo, client, base), _queries(demo, client, second)]
    assert small == large


def test_every_page_and_the_csv_say_the_same_of_each_candidate_in_the_same_order(demo, monkeypatch):
    """The page's rows are read for its candidates only, the CSV a chunk at a time: page 2 and a chunk
    boundary must give each candidate the values the first page's way gave them, once, in name order."""
    import qualification.results.queries.cohort as cohort_queries

    monkeypatch.setattr(cohort_queries, "CHUNK", 4)  # 12 candidates: three chunks
    grow(demo, 12)
    client = leader_client(demo, LEADER)
    base = f"/cohorts/{cohort_id(demo)}/report"
    shown = {}
    for html in _pages(client, base):
        shown.update(table(html))
    response = client.get(f"{base}.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [row["Name"] for row in rows] == list(shown) == sorted(shown, key=str.lower)
    for row in rows:
        page = shown[row["Name"]]
        assert (
            page["Modules achieved / on pathway"]
            == f"{row['Modules achieved']} / {row['Modules on pathway']}"
        )
        assert (page["Credits"], page["Of which by APL"]) == (row["Credits"], row["Credits by APL"])
        for heading in (
            "Assessor",
            "Membership",
            "Submissions waiting",
            "Decisions released",
            "Modules overdue",
        ):
            assert (page[heading] or "Not allocated") == (row[heading] or "Not allocated"), heading
        assert page["Award met"].startswith("Yes" if row["Award met"] == "yes" else "No")
    # The totals are the table's rows added up, not the page's.
    text = " ".join(client.get(base).get_data(as_text=True).split())
    credits = sum(int(row["Credits"]) for row in rows)
    achieved = sum(int(row["Modules achieved"]) for row in rows)
    assert f"{achieved} modules achieved, {credits} credits" in text
    released = sum(int(row["Decisions released"]) for row in rows)
    assert f"Decisions released</dt><dd>{released} in all" in " ".join(
        client.get(base).get_data(as_text=True).split()
    )
