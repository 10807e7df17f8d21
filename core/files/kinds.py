"""The kinds of file an upload may be, their names, and how a refusal is told (no reading here)."""

from __future__ import annotations

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
HTML_MESSAGE = "HTML and SVG files can't be uploaded: save the page as PDF instead."
PROGRAM_MESSAGE = "Programs and scripts can't be uploaded."
MACRO_MESSAGE = "Office files with macros can't be uploaded: save it as an ordinary document and try again."
PASSWORD_MESSAGE = "Password-protected files can't be uploaded: remove the password and try again."  # noqa: S105
HIDDEN_FILE_MESSAGE = (
    "Another file (a program or an archive) is hidden inside this one, so it was refused. Save or export "
    "it again from the program that made it and upload the new copy."
)
BOMB_MESSAGE = "The file expands to far more than its size (it may be a 'zip bomb'), so it was refused."


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
