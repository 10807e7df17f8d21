"""What kind of file an upload is, decided by its bytes and structure, never by its name or content type.

Everything here reads a bounded amount: headers, the zip central directory, the compound-file directory.
Nothing is ever decompressed to be checked, so a zip bomb is refused without expanding it.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

ALLOWED_KINDS: dict[str, str] = {
    "pdf": "PDF",
    "docx": "Word document",
    "odt": "OpenDocument text",
    "xlsx": "Excel spreadsheet",
    "ods": "OpenDocument spreadsheet",
    "pptx": "PowerPoint presentation",
    "odp": "OpenDocument presentation",
    "doc": "Word 97-2003 document",
    "xls": "Excel 97-2003 spreadsheet",
    "ppt": "PowerPoint 97-2003 presentation",
    "txt": "text file",
    "csv": "CSV file",
    "png": "PNG image",
    "jpeg": "JPEG image",
    "gif": "GIF image",
    "webp": "WebP image",
    "mp3": "MP3 audio",
    "m4a": "M4A audio",
    "wav": "WAV audio",
    "ogg": "Ogg audio",
    "mp4": "MP4 video",
    "webm": "WebM video",
    "mov": "QuickTime video",
}
# The name endings each kind may have; the first is the one added to a name that has none.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "pdf": ("pdf",),
    "docx": ("docx",),
    "odt": ("odt",),
    "xlsx": ("xlsx",),
    "ods": ("ods",),
    "pptx": ("pptx",),
    "odp": ("odp",),
    "doc": ("doc",),
    "xls": ("xls",),
    "ppt": ("ppt",),
    "txt": ("txt", "text"),
    "csv": ("csv",),
    "png": ("png",),
    "jpeg": ("jpg", "jpeg"),
    "gif": ("gif",),
    "webp": ("webp",),
    "mp3": ("mp3",),
    "m4a": ("m4a",),
    "wav": ("wav",),
    "ogg": ("ogg", "oga", "opus"),
    "mp4": ("mp4", "m4v"),
    "webm": ("webm",),
    "mov": ("mov", "qt"),
}
_KIND_OF_EXTENSION = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}
# MP4, M4A and QuickTime share one container (ISO-BMFF); which of them a file is, its name says.
_BMFF_KINDS = ("mp4", "m4a", "mov")
_BMFF_BRANDS = {
    **dict.fromkeys(("isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1"), "mp4"),
    **dict.fromkeys(("M4V ", "dash", "mmp4", "MSNV", "f4v "), "mp4"),
    **dict.fromkeys(("M4A ", "M4B ", "M4P "), "m4a"),
    "qt  ": "mov",
}

# Zip limits, checked on the declared sizes before anything is read.
MAX_ZIP_ENTRIES = 2000
MAX_ZIP_CENTRAL_DIRECTORY = 1 << 20  # bounds what zipfile itself loads into memory
MAX_ZIP_UNCOMPRESSED = 200 << 20
MAX_ZIP_RATIO = 100  # per entry, for entries over RATIO_CHECK_FROM bytes
RATIO_CHECK_FROM = 1 << 20
MAX_CFB_DIRECTORY_SECTORS = 4096

HTML_MESSAGE = "HTML and SVG files can't be uploaded: save the page as PDF instead."
PROGRAM_MESSAGE = "Programs and scripts can't be uploaded."
MACRO_MESSAGE = "Office files with macros can't be uploaded: save it as an ordinary document and try again."
PASSWORD_MESSAGE = "Password-protected files can't be uploaded: remove the password and try again."  # noqa: S105
BOMB_MESSAGE = "The file expands to far more than its size (it may be a 'zip bomb'), so it was refused."
_EXECUTABLE_MAGIC = (b"\x7fELF", b"#!", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe")
_EXECUTABLE_MAGIC += (b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|svg|script|iframe|object|embed|body|head|\?xml)\b")
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CFB_END = 0xFFFFFFFE


class Refused(Exception):
    """The content cannot be accepted, whatever the file is called (the same bytes are always refused)."""

    @property
    def message(self) -> str:
        """The message for the person who uploaded the file."""
        return str(self.args[0])


class NameMismatch(Refused):
    """The content is acceptable but the file's name says it is something else."""


def accepted_list() -> str:
    """The accepted kinds, for messages."""
    return ", ".join(dict.fromkeys(ALLOWED_KINDS.values()))


def extension_of(name: str) -> str:
    """The lower-case ending after the last dot ('' when there is none)."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


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
        return _pdf(fh, size)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(fh, size)
    if head.startswith(_CFB_MAGIC):
        return _cfb_kind(fh, size)
    kind = _media_kind(head)
    if kind:
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


def _pdf(fh: BinaryIO, size: int) -> str:
    # A PDF ends with %%EOF (perhaps followed by a little junk); without it the upload was cut short.
    fh.seek(max(0, size - 2048))
    if b"%%EOF" not in fh.read():
        raise Refused(
            "The PDF seems to be incomplete or damaged (it has no end). Save or export it again and "
            "upload the new copy."
        )
    return "pdf"


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


# Zip-based documents ------------------------------------------------------------------------------------

_DAMAGED_ZIP = "The document is damaged (its zip structure could not be read). Save it again and try again."


def _zip_entry_count(fh: BinaryIO, size: int) -> tuple[int, int]:
    """(entries, central directory bytes) from the end record, before zipfile loads anything."""
    tail_size = min(size, 22 + 65535 + 20)
    fh.seek(size - tail_size)
    tail = fh.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise Refused(_DAMAGED_ZIP)
    entries, cd_size, cd_offset = struct.unpack("<HII", tail[at + 10 : at + 20])
    if entries == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_offset):
        # Zip64: the real figures are in the Zip64 end record the locator points at.
        if at < 20 or tail[at - 20 : at - 16] != b"PK\x06\x07":
            raise Refused(_DAMAGED_ZIP)
        (record_at,) = struct.unpack("<Q", tail[at - 12 : at - 4])
        fh.seek(record_at)
        record = fh.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise Refused(_DAMAGED_ZIP)
        entries, cd_size = struct.unpack("<QQ", record[32:48])
    return entries, cd_size


def _zip_kind(fh: BinaryIO, size: int) -> str:
    entries, cd_size = _zip_entry_count(fh, size)
    if entries > MAX_ZIP_ENTRIES or cd_size > MAX_ZIP_CENTRAL_DIRECTORY:
        raise Refused(f"The file contains too many parts (more than {MAX_ZIP_ENTRIES}), so it was refused.")
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as archive:
            return _zip_document_kind(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise Refused(_DAMAGED_ZIP) from exc


def _zip_document_kind(archive: zipfile.ZipFile) -> str:
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise Refused(f"The file contains too many parts (more than {MAX_ZIP_ENTRIES}), so it was refused.")
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in name.split("/"):
            raise Refused("The document contains parts with unsafe paths, so it was refused.")
        if info.flag_bits & 0x1:
            raise Refused(PASSWORD_MESSAGE)
        total += info.file_size
        too_compressed = info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1)
        if total > MAX_ZIP_UNCOMPRESSED or (info.file_size > RATIO_CHECK_FROM and too_compressed):
            raise Refused(BOMB_MESSAGE)
    names = {info.filename for info in infos}
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise Refused(MACRO_MESSAGE)
    if "[Content_Types].xml" in names:
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(name.startswith(prefix) for name in names):
                return kind
    if "mimetype" in names:
        info = archive.getinfo("mimetype")
        if info.file_size <= 100:
            with archive.open(info) as member:
                mimetype = member.read(100).decode("ascii", "replace").strip()
            kind = {
                "application/vnd.oasis.opendocument.text": "odt",
                "application/vnd.oasis.opendocument.spreadsheet": "ods",
                "application/vnd.oasis.opendocument.presentation": "odp",
            }.get(mimetype)
            if kind:
                return kind
    raise Refused(
        "Zip archives can't be uploaded: upload the files inside it one at a time "
        "(Word, Excel, PowerPoint and OpenDocument files are fine)."
    )


# OLE2 compound files (.doc, .xls, .ppt) -----------------------------------------------------------------


def _cfb_kind(fh: BinaryIO, size: int) -> str:
    names = _cfb_names(fh, size)
    if "EncryptedPackage" in names:
        raise Refused(PASSWORD_MESSAGE)
    if names & {"Macros", "_VBA_PROJECT_CUR", "VBA"}:
        raise Refused(MACRO_MESSAGE)
    if "WordDocument" in names:
        return "doc"
    if names & {"Workbook", "Book"}:
        return "xls"
    if "PowerPoint Document" in names:
        return "ppt"
    raise Refused(f"Files of this kind can't be uploaded. You can upload: {accepted_list()}.")


def _cfb_names(fh: BinaryIO, size: int) -> set[str]:
    """The names in a compound file's directory, following its FAT chain with bounded reads."""
    damaged = Refused("The Office file is damaged. Save it again and try again.")
    fh.seek(0)
    header = fh.read(512)
    if len(header) < 512:
        raise damaged
    (shift,) = struct.unpack("<H", header[30:32])
    if shift not in (9, 12):
        raise damaged
    sector = 1 << shift
    per_sector = sector // 4
    (first_dir,) = struct.unpack("<I", header[48:52])
    first_difat, difat_count = struct.unpack("<II", header[68:76])
    fat_sectors = list(struct.unpack("<109I", header[76:512]))

    def read_sector(number: int) -> bytes:
        offset = (number + 1) * sector
        if number >= _CFB_END - 5 or offset + sector > size:
            raise damaged
        fh.seek(offset)
        return fh.read(sector)

    next_difat = first_difat
    for _ in range(min(difat_count, 1 << 16)):
        if next_difat >= _CFB_END - 5:
            break
        values = struct.unpack(f"<{per_sector}I", read_sector(next_difat))
        fat_sectors.extend(values[:-1])
        next_difat = values[-1]

    names: set[str] = set()
    current = first_dir
    for _ in range(MAX_CFB_DIRECTORY_SECTORS):
        if current == _CFB_END:
            return names
        data = read_sector(current)
        for at in range(0, sector, 128):
            (length,) = struct.unpack("<H", data[at + 64 : at + 66])
            if data[at + 66] in (1, 2, 5) and 2 <= length <= 64:
                names.add(data[at : at + length - 2].decode("utf-16-le", "replace"))
        fat_index, slot = divmod(current, per_sector)
        if fat_index >= len(fat_sectors):
            raise damaged
        (current,) = struct.unpack("<I", read_sector(fat_sectors[fat_index])[slot * 4 : slot * 4 + 4])
    raise damaged
