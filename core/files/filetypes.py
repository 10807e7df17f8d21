"""What kind of file an upload is, decided by its bytes and structure, never by its name or content type.

The first bytes name a candidate kind; then its structure is followed to the end: a zip's parts
(core.files.containers, expanded as a bounded stream), an image's chunks, markers or blocks and its pixels, an
MP3's frames (core.files.media). Whatever is not itself an archive is refused when another file (a program or
an archive) is hidden in it, or when data trails after its end: a "polyglot" that one program reads as a
photo and another as a zip or a program never gets in.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import BinaryIO

from core.files.containers import cfb_kind, zip_kind
from core.files.kinds import (  # noqa: F401 - the names callers know this module by
    ALLOWED_KINDS,
    BOMB_MESSAGE,
    EXTENSIONS,
    HIDDEN_FILE_MESSAGE,
    HTML_MESSAGE,
    MACRO_MESSAGE,
    PASSWORD_MESSAGE,
    PROGRAM_MESSAGE,
    NameMismatch,
    Refused,
    accepted_list,
    extension_of,
)
from core.files.media import check_media, check_pdf

_KIND_OF_EXTENSION = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}
# MP4, M4A and QuickTime share one container (ISO-BMFF); which of them a file is, its name says.
_BMFF_KINDS = ("mp4", "m4a", "mov")
_BMFF_BRANDS = {
    **dict.fromkeys(("isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1"), "mp4"),
    **dict.fromkeys(("M4V ", "dash", "mmp4", "MSNV", "f4v "), "mp4"),
    **dict.fromkeys(("M4A ", "M4B ", "M4P "), "m4a"),
    "qt  ": "mov",
}

_EXECUTABLE_MAGIC = (b"\x7fELF", b"#!", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe")
_EXECUTABLE_MAGIC += (b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|svg|script|iframe|object|embed|body|head|\?xml)\b")
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def identify(path: Path, extension: str) -> str:
    """The kind of the stored file at `path`, reconciled with its name's extension; raises Refused."""
    with path.open("rb") as fh:
        found = sniff(fh, path.stat().st_size)
    if found in _BMFF_KINDS and _KIND_OF_EXTENSION.get(extension) in _BMFF_KINDS:
        found = _KIND_OF_EXTENSION[extension]
    if found == "text":
        found = "csv" if extension == "csv" else "txt"
    if not extension or extension in EXTENSIONS[found]:
        return found
    named = _KIND_OF_EXTENSION.get(extension)
    if named is None:
        raise NameMismatch(
            f"Files ending in .{extension} can't be uploaded. This one looks like a {ALLOWED_KINDS[found]}: "
            f"rename it to end in .{EXTENSIONS[found][0]} and try again."
        )
    raise NameMismatch(
        f"The file's content does not match its name: it is a {ALLOWED_KINDS[found]}, "
        f"but its name ends in .{extension}. Rename it or choose the right file."
    )


def sniff(fh: BinaryIO, size: int) -> str:
    """The kind the bytes show ('text' for UTF-8 text); raises Refused for anything not allowed."""
    head = fh.read(4096)
    if head.startswith(_EXECUTABLE_MAGIC) or (head.startswith(b"MZ") and b"\0" in head[:64]):
        raise Refused(PROGRAM_MESSAGE)
    if head.startswith(b"%PDF-"):
        _pdf(fh, size)
        check_pdf(fh, size)
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return zip_kind(fh, size)
    if head.startswith(_CFB_MAGIC):
        return cfb_kind(fh, size)
    kind = _media_kind(head)
    if kind:
        check_media(fh, size, kind)
        return kind
    stripped = head.removeprefix(codecs.BOM_UTF8).lstrip().lower()
    if stripped.startswith(b"<") or _MARKUP.search(head.lower()):
        raise Refused(HTML_MESSAGE)
    problem = _text_problem(fh)
    if problem is None:
        return "text"
    if problem == "encoding":
        raise Refused(
            "This text file is not saved as UTF-8. Save it again choosing UTF-8 "
            "(in Excel: 'CSV UTF-8') and upload the new copy."
        )
    raise Refused(f"Files of this kind can't be uploaded. You can upload: {accepted_list()}.")


def _media_kind(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE"):
        return "webp" if head[8:12] == b"WEBP" else "wav"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # EBML: WebM is the Matroska profile browsers play; other Matroska files are not on the list.
        return "webm" if b"webm" in head[:64] else None
    if head[4:8] == b"ftyp":
        return _BMFF_BRANDS.get(head[8:12].decode("latin-1"))
    if head.startswith(b"ID3"):
        return "mp3"
    # An MPEG audio frame: 11 sync bits, a version other than 'reserved', a layer other than 'reserved'.
    mpeg_frame = len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    if mpeg_frame and head[1] & 0x18 != 0x08 and head[1] & 0x06:
        return "mp3"
    return None


def _pdf(fh: BinaryIO, size: int) -> None:
    # A PDF ends with %%EOF (perhaps followed by a little junk); without it the upload was cut short.
    fh.seek(max(0, size - 2048))
    if b"%%EOF" not in fh.read():
        raise Refused(
            "The PDF seems to be incomplete or damaged (it has no end). Save or export it again and "
            "upload the new copy."
        )


def _text_problem(fh: BinaryIO) -> str | None:
    """None for UTF-8 text; 'binary' when there is a NUL byte; 'encoding' for text in another encoding."""
    fh.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    problem = None
    while chunk := fh.read(1 << 16):
        if b"\0" in chunk:
            return "binary"
        if problem is None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                problem = "encoding"
    if problem is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            problem = "encoding"
    return problem
