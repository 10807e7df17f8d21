"""Names and headers for files people upload and download, shared by every area that stores files.

A display name is never used as a path; a download always carries an RFC 6266 Content-Disposition with an
ASCII fallback and the exact name RFC 5987-encoded, so no browser guesses a name or renders the bytes.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from core.files.filetypes import Refused, extension_of

MAX_NAME_LENGTH = 255
# Bidirectional overrides make "report\u202efdp.exe" display as "reportexe.pdf".
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_UNSAFE_FALLBACK = re.compile(r"[^A-Za-z0-9 ._()+,=@\[\]-]")
CONTROL_MESSAGE = "The file name contains control characters. Rename the file and try again."
FOLDER_MESSAGE = "The file name must not include folders (/ or \\). Rename the file and try again."


def human_size(size: int) -> str:
    """A size as people say it: '512 bytes', '50 MB', '1.9 GB'."""
    if size < 1024:
        return f"{size} bytes"
    value, unit = size / 1024, "KB"
    for bigger in ("MB", "GB", "TB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{round(value, 1):g} {unit}"


def clean_name(raw: str | None) -> str:
    """The display name to keep: Refused when it has control characters or path parts; at most 255
    characters with its extension kept. Never used as a path."""
    name = unicodedata.normalize("NFC", raw or "")
    if any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or c in _BIDI_CONTROLS for c in name):
        raise Refused(CONTROL_MESSAGE)
    name = name.strip()
    if "/" in name or "\\" in name or name in (".", ".."):
        raise Refused(FOLDER_MESSAGE)
    if not name:
        return "file"
    return fit_name(name)


def fit_name(name: str) -> str:
    """The name cut to 255 characters, keeping a short extension."""
    if len(name) <= MAX_NAME_LENGTH:
        return name
    ext = extension_of(name)
    keep = name[-len(ext) - 1 :] if ext and len(ext) <= 16 else ""
    return name[: MAX_NAME_LENGTH - len(keep)].rstrip() + keep


def content_disposition(file_name: str, disposition: str = "attachment") -> str:
    """`attachment` (or `inline`) with an ASCII fallback and the exact name RFC 5987-encoded (RFC 6266)."""
    fallback = unicodedata.normalize("NFKD", file_name).encode("ascii", "ignore").decode("ascii")
    fallback = _UNSAFE_FALLBACK.sub("_", fallback).strip()
    if not fallback or fallback.startswith("."):
        fallback = "file" + fallback
    encoded = quote(file_name, safe="!#$&+-.^_`|~")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
