"""The app's request class: file parts of a multipart form go straight into the file store.

Werkzeug spools a large file part to a temporary file of its own; storing it then meant reading it back,
copying it into the store and hashing it there. Here the part is written once, into the store's temp
folder, and hashed on the way (core.storage.Spool); FileStore.put_stream then fsyncs and renames it.
put_upload words the store's refusals for the person uploading.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from flask import Request, current_app
from werkzeug.formparser import FormDataParser, MultiPartParser

from core.files.downloads import human_size
from core.files.filetypes import Refused
from core.files.storage import (
    DISK_ERROR_MESSAGE,
    EmptyFile,
    FileStore,
    StorageError,
    StoredBlob,
    TooLarge,
    get_store,
)

# What a person uploading a file is told when the disk refused it.
UPLOAD_DISK_MESSAGE = (
    "The file could not be stored: the server's disk may be full. Nothing was saved; try again later."
)

# How much of a request body the multipart parser asks for at once (at most): werkzeug's 64 KiB made
# gunicorn's body reader copy its read-ahead buffer (up to 1 MiB) on every call. The parser refuses a
# read that would take its buffer past max_form_memory_size (413), so reads stay under half of that.
UPLOAD_READ_SIZE = 1 << 20


class _UploadFormParser(FormDataParser):
    def _parse_multipart(self, stream, mimetype, content_length, options):
        # Werkzeug's own method, with larger reads (UPLOAD_READ_SIZE).
        read_size = UPLOAD_READ_SIZE
        if self.max_form_memory_size is not None:
            read_size = max(64 << 10, min(read_size, self.max_form_memory_size // 2))
        parser = MultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
            buffer_size=read_size,
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        if not isinstance(stream, io.RawIOBase):
            form, files = parser.parse(stream, boundary, content_length)
            return stream, form, files
        # The parser's reads are capped (above); the server is asked for UPLOAD_READ_SIZE at a time.
        buffered = io.BufferedReader(stream, UPLOAD_READ_SIZE)
        try:
            form, files = parser.parse(buffered, boundary, content_length)
        finally:
            buffered.detach()  # leaves the request's own stream open
        return stream, form, files


class UploadRequest(Request):
    """The app's request class: file parts go straight into the store as Spools, read 1 MiB at a time."""

    form_data_parser_class = _UploadFormParser

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return get_store(current_app).spool()


def put_upload(store: FileStore, stream: BinaryIO, max_bytes: int) -> StoredBlob:
    """Stream an upload into the store; Refused, in words for the uploader, when it is too large, empty
    or cannot be written."""
    try:
        return store.put_stream(stream, max_bytes=max_bytes)
    except TooLarge as exc:
        raise Refused(f"The file is larger than {human_size(max_bytes)}.") from exc
    except EmptyFile as exc:
        raise Refused("The file is empty.") from exc
    except StorageError as exc:
        raise Refused(UPLOAD_DISK_MESSAGE if exc.message == DISK_ERROR_MESSAGE else exc.message) from exc
