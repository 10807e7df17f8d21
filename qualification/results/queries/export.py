"""The cohort report as files a spreadsheet opens: CSV (streamed) and XLSX.

Both are written from one table (`report_table`) so their columns never differ; it reads the candidates a
chunk at a time (`CohortReport.chunks`), so the CSV's first bytes go out before the last chunk is read and a
download holds one chunk's rows, whatever the cohort's size. The CSV starts with a UTF-8
byte-order mark: without it Excel reads the file as the local code page and "Siân" arrives as "SiÃ¢n". A
cell that starts with = + - @ would be run as a formula (CSV injection): in the CSV it is made text with a
leading apostrophe, in the XLSX its cell is typed as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from qualification.results.queries.cohort import CohortReport
from qualification.results.queries.report import ReportRow

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADINGS = [
    "Name",
    "Email",
    "School",
    "Assessor",
    "Membership",
    "Modules achieved",
    "Modules on pathway",
    "Credits",
    "Credits by APL",
]

Cell = str | int | float | date | None


def report_table(report: CohortReport) -> Iterator[list[Cell]]:
    """The heading, then a row per candidate shown, as typed cells."""
    yield _heading(report)
    for chunk in report.chunks():
        yield from (_cells(report, row) for row in chunk)


def _heading(report: CohortReport) -> list[Cell]:
    return [*HEADINGS, *(c.heading for c in report.columns), "Award met", "Award met on"]


def _cells(report: CohortReport, row: ReportRow) -> list[Cell]:
    return [
        row.name,
        row.email,
        row.school,
        row.assessor,
        row.state,
        row.achieved,
        row.on_pathway,
        row.credits,
        row.apl_credits,
        *(row.values.get(c.key) for c in report.columns),
        "yes" if row.award_met else "no",
        row.met_on,
    ]


def report_csv(report: CohortReport) -> Iterator[str]:
    """The report as CSV text for Excel: the heading at once, then a chunk of candidates at a time (a
    streamed download)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(_heading(report))
    yield buffer.getvalue()
    for chunk in report.chunks():
        buffer.seek(0)
        buffer.truncate()
        for row in chunk:
            writer.writerow([_csv_cell(cell) for cell in _cells(report, row)])
        yield buffer.getvalue()


def report_xlsx(report: CohortReport) -> bytes:
    """The report as an Excel workbook: one sheet, a bold heading row, numbers and dates typed."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(report.cohort.name))
    bold = Font(bold=True)
    for n, cells in enumerate(report_table(report)):
        row = []
        for value in cells:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cell.data_type = "s"  # the name as typed, never a formula
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            if n == 0:
                cell.font = bold
            row.append(cell)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _sheet_title(name: str) -> str:
    # Excel refuses these characters in a sheet's name, and more than 31 characters.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip()
    return cleaned[:31] or "Report"
