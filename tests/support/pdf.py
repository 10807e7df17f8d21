"""Reading the PDFs Waymark makes as a reader's software would: their text, and what makes them accessible
(tags, language, title) and portable (every font embedded)."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    """Every page's text, spaces and line breaks collapsed (a long line may wrap anywhere)."""
    text = " ".join(page.extract_text() for page in reader(data).pages)
    return re.sub(r"\s+", " ", text)


def is_tagged(data: bytes) -> bool:
    """A structure tree, and the catalogue says the content is marked (PDF/UA's first requirement)."""
    root = reader(data).trailer["/Root"]
    mark_info = root.get("/MarkInfo")
    return "/StructTreeRoot" in root and mark_info is not None and bool(mark_info.get_object().get("/Marked"))


def language(data: bytes) -> str | None:
    lang = reader(data).trailer["/Root"].get("/Lang")
    return str(lang) if lang is not None else None


def title(data: bytes) -> str:
    return str(reader(data).metadata.get("/Title", ""))


def font_files(data: bytes) -> dict[str, bool]:
    """Each font used on any page, and whether its program is embedded (FontFile, FontFile2 or FontFile3)."""
    found = {}
    for page in reader(data).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.get_object().values():
            font = font.get_object()
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = described["/FontDescriptor"].get_object()
            keys = {"/FontFile", "/FontFile2", "/FontFile3"}
            found[str(font["/BaseFont"])] = bool(keys & set(descriptor.keys()))
    return found
