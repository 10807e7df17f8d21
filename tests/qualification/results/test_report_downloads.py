"""The cohort report downloaded for a spreadsheet: CSV that Excel opens with "Siân" intact, and an XLSX
workbook; both are what the page shows (its filters too), and a name never runs as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from qualification.results.models import AchievedBy
from tests.support.people import CHRIS, JO, LEADER
from tests.support.report import invite, leader_client, submission
from tests.support.transcript import achieve, cohort_id, load_demo_world

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def demo(app):
    load_demo_world(app)
    achieve(app, JO, "M01", date(2026, 11, 2))
    achieve(app, JO, "M02", date(2026, 12, 1), how=AchievedBy.APL)
    submission(app, CHRIS, "M02")
    invite(app, "Siân Jones", "sian@school.example", school="Ysgol Gymraeg Aberystwyth")
    invite(app, "=HYPERLINK(1)", "formula@school.example", school="@x")
    return app


def _csv(app, query: str = "") -> tuple[bytes, list[dict[str, str]]]:
    response = leader_client(app, LEADER).get(f"/cohorts/{cohort_id(app)}/report.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    body = response.get_data()
    return body, list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_csv_opens_in_excel_with_accented_names_intact(demo):
    response = leader_client(demo, LEADER).get(f"/cohorts/{cohort_id(demo)}/report.csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="Certificate 2026-27')
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    response.close()  # a streamed response holds its request open until it is read or closed
    body, rows = _csv(demo)
    # The byte-order mark tells Excel the file is UTF-8; "Siân" is then read as written, not "SiÃ¢n".
    assert body.startswith(BOM)
    assert "Siân Jones".encode() in body
    by_name = {row["Name"]: row for row in rows}
    assert len(rows) == 5
    sian = by_name["Siân Jones"]
    assert (sian["School"], sian["Membership"], sian["Modules achieved"]) == (
        "Ysgol Gymraeg Aberystwyth",
        "Invited",
        "0",
    )
    jo = by_name["Jo Patel"]
    assert (jo["Modules achieved"], jo["Credits"], jo["Credits by APL"], jo["Membership"]) == (
        "2",
        "30",
        "15",
        "Joined",
    )
    chris = by_name["Chris Evans"]
    assert (chris["Submissions waiting"], chris["Longest wait (working days)"], chris["Award met"]) == (
        "1",
        "0",
        "no",
    )
    assert chris["Last activity"] == date.today().isoformat()  # noqa: DTZ011 - the report's UK day, near enough


def test_a_name_that_looks_like_a_formula_is_text_in_the_csv(demo):
    _, rows = _csv(demo)
    assert "'=HYPERLINK(1)" in {row["Name"] for row in rows}
    assert "'@x" in {row["School"] for row in rows}


def test_the_csv_has_the_candidates_the_filters_show(demo):
    _, rows = _csv(demo, "?module=M01&progress=yes")
    assert [row["Name"] for row in rows] == ["Jo Patel"]
    _, invited = _csv(demo, "?state=Invited")
    assert sorted(row["Name"] for row in invited) == ["'=HYPERLINK(1)", "Siân Jones"]
    assert all(row["Membership"] == "Invited" for row in invited)


def test_course_leader_can_download_the_report_as_an_excel_workbook(demo):
    response = leader_client(demo, LEADER).get(f"/cohorts/{cohort_id(demo)}/report.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="Certificate 2026-27')
    assert response.headers["Content-Disposition"].split(";")[1].strip().endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    heading, body = rows[0], rows[1:]
    assert heading[:5] == ("Name", "Email", "School", "Assessor", "Membership")
    assert sheet["A1"].font.b
    by_name = {row[0]: dict(zip(heading, row, strict=True)) for row in body}
    assert len(body) == 5
    assert by_name["Siân Jones"]["School"] == "Ysgol Gymraeg Aberystwyth"
    jo = by_name["Jo Patel"]
    # Numbers are numbers and dates are dates, so the leader can sort and add them up in Excel.
    assert (jo["Modules achieved"], jo["Credits"], jo["Credits by APL"]) == (2, 30, 15)
    assert jo["Assessor"] == "Tom Okafor"
    assert by_name["Chris Evans"]["Last activity"].date() == date.today()  # noqa: DTZ011
    # A name that looks like a formula is kept as the text it is, never run.
    cell = next(c for c in sheet["A"] if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"


def test_the_workbook_has_the_candidates_the_filters_show(demo):
    response = leader_client(demo, LEADER).get(
        f"/cohorts/{cohort_id(demo)}/report.xlsx?module=M01&progress=yes"
    )
    rows = list(load_workbook(io.BytesIO(response.get_data())).worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["Jo Patel"]
