"""Zip-based documents (Word, Excel, PowerPoint, OpenDocument) and OLE2 compound files (.doc, .xls, .ppt).

The zip's end record and central directory are read first, bounded; only then are the parts expanded, as a
stream, counting the real bytes against the limits and stopping as soon as one is passed, so a zip bomb is
refused having expanded no more than the limit and held no more than a chunk of it in memory.
"""

from __future__ import annotations

import re
import struct
import zipfile
from typing import BinaryIO

from core.files.kinds import BOMB_MESSAGE, MACRO_MESSAGE, PASSWORD_MESSAGE, Refused, accepted_list

# Zip limits. The declared sizes are checked before anything is expanded; then every part is expanded as a
# stream and the real bytes counted against the same limits. 100 MiB of parts in all: twice the largest upload
# (50 MB), as a document's pictures are stored compressed already and expand hardly at all, while its text
# (XML) expands 5 to 20 times from a few MB at most; a 300-page report with photos stays far below it. And no
# more than 100 times the file's own size once past 1 MiB: real documents come nowhere near that, while 190
# parts of 1 MiB of zeros (issue 15) expand a thousandfold.
MAX_ZIP_ENTRIES = 2000
MAX_ZIP_CENTRAL_DIRECTORY = 1 << 20  # bounds what zipfile itself loads into memory
MAX_ZIP_UNCOMPRESSED = 100 << 20
MAX_ZIP_RATIO = 100  # per entry, and for the whole file, once past RATIO_CHECK_FROM bytes
RATIO_CHECK_FROM = 1 << 20
MAX_CFB_DIRECTORY_SECTORS = 4096

_CFB_END = 0xFFFFFFFE


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


def zip_kind(fh: BinaryIO, size: int) -> str:
    """The kind of a zip-based document; raises Refused."""
    entries, cd_size = _zip_entry_count(fh, size)
    if entries > MAX_ZIP_ENTRIES or cd_size > MAX_ZIP_CENTRAL_DIRECTORY:
        raise Refused(f"The file contains too many parts (more than {MAX_ZIP_ENTRIES}), so it was refused.")
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as archive:
            return _zip_document_kind(archive, size)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise Refused(_DAMAGED_ZIP) from exc


def _too_expanded(expanded: int, size: int) -> bool:
    return expanded > MAX_ZIP_UNCOMPRESSED or (
        expanded > RATIO_CHECK_FROM and expanded > MAX_ZIP_RATIO * max(size, 1)
    )


def _expand_all(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], size: int) -> None:
    """Expand every part as a stream, 64 KiB at a time, counting the real bytes and stopping at the first
    limit passed. zipfile also checks each part's CRC, so a part that does not expand to what it declares
    is refused as damaged."""
    expanded = 0
    for info in infos:
        if info.is_dir():
            continue
        with archive.open(info) as member:
            while chunk := member.read(1 << 16):
                expanded += len(chunk)
                if _too_expanded(expanded, size):
                    raise Refused(BOMB_MESSAGE)


def _zip_document_kind(archive: zipfile.ZipFile, size: int) -> str:
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
        if _too_expanded(total, size) or (info.file_size > RATIO_CHECK_FROM and too_compressed):
            raise Refused(BOMB_MESSAGE)
    names = {info.filename for info in infos}
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise Refused(MACRO_MESSAGE)
    kind = _document_kind(archive, names)
    _expand_all(archive, infos, size)
    return kind


def _document_kind(archive: zipfile.ZipFile, names: set[str]) -> str:
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


def cfb_kind(fh: BinaryIO, size: int) -> str:
    """The kind of an OLE2 compound file; raises Refused."""
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
