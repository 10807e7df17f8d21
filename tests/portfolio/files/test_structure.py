"""Issue 15, through the candidate's upload form: files whose first bytes pass but whose structure does not
(polyglots: a JPEG with a program after it, an MP3 with a zip holding a program after it, a PDF with a zip
inside) are refused, as is a Word document that expands to 190 MiB; real images, MP3s and documents pass.
Nothing of a refused upload is kept: no blob, no row, no temporary file."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.extensions import db
from core.files import media
from core.files.filetypes import BOMB_MESSAGE, HIDDEN_FILE_MESSAGE
from portfolio.evidence.models import EvidenceItem
from tests.support.demo import demo_fixture, load_study_demo
from tests.support.evidence import post_file
from tests.support.html import page_text, signed_in_fixture
from tests.support.people import JO
from tests.support.uploads import assert_nothing_kept, pdf

demo = demo_fixture(load_study_demo)
jo = signed_in_fixture(JO)

# A 64-bit Linux program's first bytes, then some of its body.
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + struct.pack("<HHI", 2, 0x3E, 1) + bytes(400)
# A Windows program: the DOS stub pointing at its PE header.
EXE = b"MZ\x90\x00" + bytes(56) + struct.pack("<I", 128) + bytes(64) + b"PE\0\0" + bytes(300)
# MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417 bytes a frame.
MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(413)


def image(fmt: str, size=(64, 48), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 40, 90)).save(buffer, fmt, **options)
    return buffer.getvalue()


def mp3(frames: int = 6) -> bytes:
    title = b"TIT2" + struct.pack(">I", 5) + b"\x00\x00" + b"\x00Talk" + bytes(10)  # a frame and padding
    id3 = b"ID3\x03\x00\x00" + bytes([0, 0, 0, len(title)]) + title
    return id3 + MP3_FRAME * frames + b"TAG" + b"Careers fair discussion".ljust(125, b"\0")


def zip_holding(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def docx(**parts: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("_rels/.rels", b"<Relationships/>")
        archive.writestr("word/document.xml", b"<w:document><w:body>Careers fair</w:body></w:document>" * 50)
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def items(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(EvidenceItem))


def refused(client, app, data: bytes, name: str) -> str:
    answer = post_file(client, data, name)
    assert answer.status_code == 422, page_text(answer)
    assert items(app) == 0
    assert_nothing_kept(app)
    return page_text(answer)


ACCEPTED = [
    (image("JPEG"), "photo.jpg"),
    (image("JPEG", progressive=True), "progressive.jpg"),
    (image("PNG"), "board.png"),
    (image("GIF"), "diagram.gif"),
    (image("WEBP"), "poster.webp"),
    (mp3(), "discussion.mp3"),
    (MP3_FRAME * 4 + MP3_FRAME[:200], "cut-short.mp3"),
    (pdf(), "plan.pdf"),
    (docx(), "account.docx"),
]


@pytest.mark.parametrize(("data", "name"), ACCEPTED, ids=[name for _, name in ACCEPTED])
def test_candidate_can_upload_real_images_audio_and_documents(jo, app, data, name):
    added = post_file(jo, data, name)
    assert added.status_code == 302, page_text(added)
    assert items(app) == 1


POLYGLOTS = [
    (image("JPEG") + ELF, "photo.jpg"),  # the tester's first: a JPEG, then a program
    (mp3() + zip_holding("setup.exe", EXE), "discussion.mp3"),  # the tester's second
    (MP3_FRAME * 3 + zip_holding("setup.exe", EXE), "no-tags.mp3"),
    (image("PNG") + zip_holding("tool.exe", EXE), "board.png"),
    (image("GIF") + ELF, "diagram.gif"),
    (pdf(b"1 0 obj << >> endobj\n" + zip_holding("setup.exe", EXE)), "plan.pdf"),
    (pdf(b"1 0 obj << >> endobj\n" + EXE), "program.pdf"),
    # The PE header as far from its DOS stub as a program may put it (found from the header back).
    (pdf(b"MZ" + bytes(58) + struct.pack("<I", 4096) + bytes(4032) + b"PE\0\0" + bytes(64)), "far.pdf"),
    # Hidden before the image's end, in a comment segment, where no trailing-data check would see it.
    (image("JPEG")[:2] + b"\xff\xfe" + struct.pack(">H", 2 + len(EXE)) + EXE + image("JPEG")[2:], "c.jpg"),
]


@pytest.mark.parametrize(("data", "name"), POLYGLOTS, ids=[name for _, name in POLYGLOTS])
def test_candidate_cannot_upload_a_file_with_a_program_or_archive_hidden_in_it(jo, app, data, name):
    assert HIDDEN_FILE_MESSAGE in refused(jo, app, data, name)


def test_candidate_cannot_upload_an_image_with_data_after_its_end_or_cut_short(jo, app):
    photo = image("JPEG", size=(300, 200))
    assert media.TRAILING_DATA in refused(jo, app, photo + b"x" * 500, "photo.jpg")
    assert media.DAMAGED_IMAGE in refused(jo, app, photo[: len(photo) // 2], "photo.jpg")
    png = image("PNG", size=(300, 200))
    assert media.DAMAGED_IMAGE in refused(jo, app, png[:-30] + png[-12:], "board.png")
    assert media.TRAILING_DATA in refused(jo, app, image("GIF") + b"y" * 500, "diagram.gif")


def test_candidate_cannot_upload_an_mp3_whose_frames_break_off(jo, app):
    broken = mp3(3)[:-128] + b"Not audio at all, just text after the frames." * 20
    assert media.DAMAGED_MP3 in refused(jo, app, broken, "discussion.mp3")
    # The ID3 tag's own size is honoured: a tag claiming to run past what follows leaves no frame.
    assert media.DAMAGED_MP3 in refused(jo, app, b"ID3\x03\x00\x00\x00\x00\x7f\x7f" + bytes(300), "x.mp3")


def test_candidate_cannot_upload_an_image_of_too_many_pixels(jo, app, monkeypatch):
    monkeypatch.setattr(media, "MAX_PIXELS", 10_000)
    assert "The image is too large" in refused(jo, app, image("PNG", size=(200, 100)), "wide.png")
    assert "The image is too large" in refused(jo, app, image("JPEG", size=(200, 100)), "wide.jpg")


def test_a_png_whose_pixel_data_expands_past_its_size_is_refused_without_expanding_it(jo, app):
    # The header says 1 x 1; the compressed pixel data holds 50 MB of zeros.
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(bytes(50 << 20), 9))
        + chunk(b"IEND", b"")
    )
    assert media.DAMAGED_IMAGE in refused(jo, app, bomb, "tiny.png")


# Zip documents: the expanded size in all --------------------------------------------------------------------


def test_candidate_cannot_upload_a_docx_expanding_to_190_mib_in_parts_of_1_mib(jo, app):
    # The tester's: 190 parts of 1 MiB of zeros, each under the per-part ratio check, 190 MiB in all.
    parts = {f"word/media/part{i}.bin": bytes(1 << 20) for i in range(190)}
    bomb = docx(**parts)
    assert len(bomb) < 1 << 20
    assert BOMB_MESSAGE in refused(jo, app, bomb, "account.docx")


def test_candidate_cannot_upload_a_docx_far_more_compressed_than_any_document(jo, app):
    # 60 MiB in all: under the size limit, but 1,000 times the file's size.
    parts = {f"word/media/part{i}.bin": bytes(1 << 20) for i in range(60)}
    assert BOMB_MESSAGE in refused(jo, app, docx(**parts), "account.docx")


def test_a_docx_whose_parts_expand_to_more_than_they_declare_is_refused(jo, app):
    # Each part really holds 1 MiB but declares 100 KiB: the parts are expanded, not taken at their word.
    lying = bytearray(docx(**{f"word/media/p{i}.bin": bytes(range(256)) * 4096 for i in range(4)}))
    at = 0
    while (at := lying.find(b"PK\x01\x02", at)) >= 0:
        if struct.unpack_from("<I", lying, at + 24)[0] == 1 << 20:
            struct.pack_into("<I", lying, at + 24, 100 << 10)
        at += 4
    assert "damaged" in refused(jo, app, bytes(lying), "account.docx")


def test_a_normal_docx_with_a_photo_is_accepted(jo, app):
    photo = image("JPEG", size=(800, 600), quality=95)
    added = post_file(jo, docx(**{"word/media/image1.jpeg": photo}), "Reflective account.docx")
    assert added.status_code == 302, page_text(added)
