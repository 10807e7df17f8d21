"""B5: every upload attack is refused by content, size and name, and nothing of a refused upload is kept.

The samples and upload helpers shared with the storage and streaming tests live in tests/support/uploads.py.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tracemalloc
import zipfile
import zlib

import pytest
from PIL import Image

from core.extensions import db
from core.files import containers, filetypes
from core.files.storage import get_store
from portfolio.evidence.models import Blob
from portfolio.files.services import UploadRefused, accept_upload, sweep_unreferenced
from tests.support.people import make_user
from tests.support.uploads import assert_nothing_kept, blob_rows, pdf, refusal, temp_files, upload


@pytest.fixture
def owner(app):
    return make_user(app, "casey@school.example", name="Casey Candidate")


# Samples ---------------------------------------------------------------------------------------------


def zip_of(entries: dict[str, bytes], *, level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in entries.items():
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compress)
    return buffer.getvalue()


def ooxml(part: str, **extra: bytes) -> bytes:
    return zip_of(
        {"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>", part: b"<x/>", **extra}
    )


def odf(kind: str) -> bytes:
    mimetype = f"application/vnd.oasis.opendocument.{kind}".encode()
    return zip_of({"mimetype": mimetype, "content.xml": b"<office:document-content/>"})


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


JPEG = jpeg()
# Whole MPEG-1 layer III frames (417 bytes each at 128 kbit/s, 44.1 kHz), with and without an ID3v2 tag.
MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(413)
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + MP3_FRAME * 3
MP3_NO_TAG = MP3_FRAME * 3
MP4 = struct.pack(">I4s4sI8s", 24, b"ftyp", b"isom", 0x200, b"isomiso2") + struct.pack(">I4s", 8, b"free")
M4A = struct.pack(">I4s4sI8s", 24, b"ftyp", b"M4A ", 0, b"M4A isom") + struct.pack(">I4s", 8, b"free")
CSV = "name,score\nJosé,3\n".encode()


def compound_file(*names: str) -> bytes:
    """A minimal OLE2 compound file (the .doc/.xls container) whose directory holds `names`."""
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack(
        "<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, bytes(6), 0, 1, 1, 0, 4096, end, 0, end, 0
    )
    header += struct.pack("<109I", 0, *([free] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, end, *([free] * 126))

    def entry(name: str, kind: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1) + bytes(60)

    entries = [entry("Root Entry", 5)] + [entry(name, 2) for name in names]
    directory = b"".join(entries).ljust(512, b"\0")
    return header + fat + directory


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


# Helpers ---------------------------------------------------------------------------------------------


# Accepted kinds --------------------------------------------------------------------------------------


ACCEPTED = [
    (pdf(), "plan.pdf", "pdf"),
    (ooxml("word/document.xml"), "Reflective account.docx", "docx"),
    (ooxml("xl/workbook.xml"), "destinations.xlsx", "xlsx"),
    (ooxml("ppt/presentation.xml"), "assembly.pptx", "pptx"),
    (odf("text"), "account.odt", "odt"),
    (odf("spreadsheet"), "survey.ods", "ods"),
    (compound_file("WordDocument", "1Table"), "old.doc", "doc"),
    (compound_file("Workbook"), "old.xls", "xls"),
    (png(), "board.png", "png"),
    (JPEG, "photo.JPG", "jpeg"),
    (MP3, "discussion.mp3", "mp3"),
    (MP3_NO_TAG, "discussion.mp3", "mp3"),
    (MP4, "fair.mp4", "mp4"),
    (MP4, "voice.m4a", "m4a"),
    (M4A, "voice.m4a", "m4a"),
    (CSV, "destinations.csv", "csv"),
    ("Notes \u2013 café\n".encode(), "notes.txt", "txt"),
]


@pytest.mark.parametrize(
    ("data", "name", "kind"), ACCEPTED, ids=[f"{kind}-{name}" for _, name, kind in ACCEPTED]
)
def test_candidate_can_upload_accepted_kinds(app, owner, data, name, kind):
    stored = upload(app, owner.id, data, name)
    assert (stored.kind, stored.name, stored.size) == (kind, name, len(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    with app.app_context():
        assert db.session.get(Blob, stored.sha256).detected_kind == kind
    assert get_store(app).path_for(stored.sha256).read_bytes() == data


def test_name_without_extension_gets_the_detected_one(app, owner):
    assert upload(app, owner.id, pdf(), "minutes").name == "minutes.pdf"
    assert upload(app, owner.id, pdf(b"2"), "").name == "file.pdf"


# B5: size -------------------------------------------------------------------------------------------


def test_upload_of_exactly_the_limit_is_accepted_and_one_byte_more_is_refused(app, owner):
    exact = pdf(b"x" * (1000 - len(pdf(b""))))
    assert len(exact) == 1000
    assert upload(app, owner.id, exact, "exact.pdf", max_bytes=1000).size == 1000
    over = pdf(b"x" * (1001 - len(pdf(b""))))
    assert refusal(app, owner.id, over, "over.pdf", max_bytes=1000) == "The file is larger than 1000 bytes."
    assert blob_rows(app) == 1
    assert temp_files(app) == []


def test_the_configured_limit_applies_by_default(app, owner):
    app.config["WAYMARK_MAX_UPLOAD_MB"] = 1
    exact = pdf(b"x" * ((1 << 20) - len(pdf(b""))))
    assert upload(app, owner.id, exact, "exact.pdf").size == 1 << 20
    assert refusal(app, owner.id, exact + b"\n", "over.pdf") == "The file is larger than 1 MB."


def test_empty_file_is_refused(app, owner):
    assert refusal(app, owner.id, b"", "empty.pdf") == "The file is empty."
    assert_nothing_kept(app)


# B5: content against name ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (pdf(), "plan.docx"),
        (ooxml("word/document.xml"), "plan.pdf"),
        (png(), "photo.jpg"),
        (CSV, "data.xlsx"),
    ],
    ids=["pdf-as-docx", "docx-as-pdf", "png-as-jpg", "csv-as-xlsx"],
)
def test_content_that_does_not_match_the_name_is_refused(app, owner, data, name):
    assert "The file's content does not match its name" in refusal(app, owner.id, data, name)
    assert blob_rows(app) == 0
    # Acceptable bytes stay until the sweep: another upload may be storing them under a fitting name.
    with app.app_context():
        assert sweep_unreferenced(grace_seconds=0) == 1
    assert_nothing_kept(app)


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(100),
        b"\x7fELF\x02\x01\x01" + bytes(100),
        b"#!/bin/sh\nrm -rf ~\n",
        b"\xcf\xfa\xed\xfe" + bytes(100),
    ],
    ids=["exe", "elf", "script", "mach-o"],
)
def test_program_renamed_pdf_is_refused(app, owner, data):
    assert refusal(app, owner.id, data, "certificate.pdf") == filetypes.PROGRAM_MESSAGE
    assert_nothing_kept(app)


@pytest.mark.parametrize(
    "data",
    [HTML, SVG, b"\xef\xbb\xbf  \n" + SVG, b"Hello\n<script>alert(1)</script>"],
    ids=["html", "svg", "svg-after-bom", "script-in-text"],
)
@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "photo.png", "notes.txt"])
def test_html_and_svg_are_refused_whatever_their_name(app, owner, data, name):
    assert refusal(app, owner.id, data, name) == filetypes.HTML_MESSAGE
    assert_nothing_kept(app)


def test_unknown_binary_and_non_utf8_text_are_refused(app, owner):
    assert "can't be uploaded" in refusal(app, owner.id, bytes(range(256)) * 4, "data.bin")
    assert "UTF-8" in refusal(app, owner.id, "Jos\xe9,3\n".encode("latin-1"), "data.csv")
    assert "can't be uploaded" in refusal(app, owner.id, compound_file("Something"), "x.doc")
    assert_nothing_kept(app)


def test_truncated_pdf_is_refused(app, owner):
    whole = pdf(b"x" * 5000)
    assert "incomplete" in refusal(app, owner.id, whole[: len(whole) // 2], "plan.pdf")
    assert_nothing_kept(app)


# B5: names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../x.pdf", "must not include folders"),
        ("..\\..\\x.pdf", "must not include folders"),
        ("/etc/passwd", "must not include folders"),
        ("..", "must not include folders"),
        ("a\x00b.pdf", "control characters"),
        ("a\x1b[31mb.pdf", "control characters"),
        ("line\nbreak.pdf", "control characters"),
        ("report\u202efdp.exe", "control characters"),
    ],
)
def test_names_with_path_parts_or_control_characters_are_refused(app, owner, name, message):
    stream = io.BytesIO(pdf())
    with app.app_context(), pytest.raises(UploadRefused, match=message):
        accept_upload(owner.id, stream, name)
    assert stream.tell() == 0, "refused before reading a byte"
    assert_nothing_kept(app)


def test_long_name_is_trimmed_keeping_its_extension(app, owner):
    stored = upload(app, owner.id, pdf(), "é" * 296 + ".pdf")
    assert len(stored.name) == 255
    assert stored.name == "é" * 251 + ".pdf"


# B5: zips -------------------------------------------------------------------------------------------


def test_zip_bomb_is_refused_with_little_memory(app, owner):
    bomb = ooxml("word/document.xml", **{"word/media/zeros.bin": bytes(20 << 20)})
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        message = refusal(app, owner.id, bomb, "account.docx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message == filetypes.BOMB_MESSAGE
    assert peak < 50 << 20, f"peak {peak / (1 << 20):.1f} MiB"
    assert_nothing_kept(app)


def test_zip_whose_entries_declare_too_much_is_refused(app, owner, monkeypatch):
    # Entries that compress only moderately but add up past the limit.
    monkeypatch.setattr(containers, "MAX_ZIP_UNCOMPRESSED", 1 << 20)
    spreadsheet = ooxml("xl/workbook.xml", **{f"xl/sheet{i}.xml": os.urandom(300_000) for i in range(4)})
    assert refusal(app, owner.id, spreadsheet, "big.xlsx") == filetypes.BOMB_MESSAGE
    assert_nothing_kept(app)


def test_zip_entry_lying_about_its_size_is_refused(app, owner):
    data = bytearray(ooxml("word/document.xml"))
    central = data.rfind(b"PK\x01\x02")  # the last central directory entry: word/document.xml
    data[central + 24 : central + 28] = struct.pack("<I", 4_000_000_000)
    assert refusal(app, owner.id, bytes(data), "account.docx") == filetypes.BOMB_MESSAGE
    assert_nothing_kept(app)


def test_zip_with_100k_entries_is_refused_with_little_memory(app, owner):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        for i in range(100_000):
            archive.writestr(f"word/{i}", b"")
    tracemalloc.start()
    try:
        message = refusal(app, owner.id, buffer.getvalue(), "account.docx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "too many parts" in message
    assert peak < 50 << 20
    assert_nothing_kept(app)


@pytest.mark.parametrize(
    "entry", ["../../evil", "word/../../evil.sh", "/etc/cron.d/evil", "C:/evil", "..\\evil"]
)
def test_zip_slip_entry_is_refused(app, owner, entry):
    data = ooxml("word/document.xml", **{entry: b"#!/bin/sh\n"})
    assert "unsafe paths" in refusal(app, owner.id, data, "account.docx")
    assert_nothing_kept(app)


def test_plain_zip_and_macro_documents_are_refused(app, owner):
    assert "Zip archives can't be uploaded" in refusal(app, owner.id, zip_of({"a.txt": b"hi"}), "a.zip")
    assert "Zip archives can't be uploaded" in refusal(app, owner.id, zip_of({"a.txt": b"hi"}), "a.docx")
    macro = ooxml("word/document.xml", **{"word/vbaProject.bin": b"\0" * 10})
    assert refusal(app, owner.id, macro, "a.docx") == filetypes.MACRO_MESSAGE
    assert refusal(app, owner.id, compound_file("WordDocument", "Macros"), "a.doc") == filetypes.MACRO_MESSAGE
    assert refusal(app, owner.id, compound_file("EncryptedPackage"), "a.docx") == filetypes.PASSWORD_MESSAGE
    assert_nothing_kept(app)
