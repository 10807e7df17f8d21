"""Content-addressed local file storage: blobs are named by their SHA-256 and written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Flask

from core.files.downloads import human_size

_SHA256 = re.compile(r"[0-9a-f]{64}")
_TEMP_PREFIX = "upload-"
_TEMP_SUFFIX = ".part"
FILE_MODE = 0o640
DIR_MODE = 0o750
DISK_ERROR_MESSAGE = (
    "Could not store the file: the server's disk may be full or unavailable. "
    "Please try again later, and tell your administrator if it keeps happening."
)
READ_ERROR_MESSAGE = "Could not read the uploaded file. Please try again."


@dataclass(frozen=True)
class StoredBlob:
    """A stored blob: its SHA-256 (hex, lowercase) and its size in bytes."""

    sha256: str
    size: int


class StorageError(Exception):
    """A storage failure whose message is safe to show to the user."""

    default_message = "Could not store the file."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        """The user-safe message."""
        return str(self.args[0])


# The names are part of the interface callers already use, hence no Error suffix.
class TooLarge(StorageError):
    """The stream had more bytes than the caller allows."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        super().__init__(f"The file is too large: the limit is {human_size(max_bytes)}.")


class EmptyFile(StorageError):
    """The stream had no bytes at all."""

    default_message = "The file is empty."


def fsync_dir(path: Path) -> None:
    # A rename or a new directory entry is only durable once the directory itself is synced.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class FileStore:
    """Blobs under root/blobs/ab/cd/<sha256>; uploads in progress under root/tmp/."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.blobs_dir = self.root / "blobs"
        self.tmp_dir = self.root / "tmp"

    def put_stream(self, stream: BinaryIO, *, max_bytes: int, chunk_size: int = 1 << 20) -> StoredBlob:
        """Store everything read from `stream` (at most `max_bytes`) and return its address."""
        if max_bytes < 1 or chunk_size < 1:
            raise ValueError("max_bytes and chunk_size must be positive")
        try:
            if isinstance(stream, Spool) and stream.store_root == self.root:
                return self._adopt(stream, max_bytes=max_bytes)
            return self._put_stream(stream, max_bytes=max_bytes, chunk_size=chunk_size)
        except OSError as exc:
            raise StorageError(DISK_ERROR_MESSAGE) from exc

    def spool(self) -> Spool:
        """A new temp file in this store that hashes what is written to it (see Spool)."""
        return Spool(self)

    def _adopt(self, spool: Spool, *, max_bytes: int) -> StoredBlob:
        # The spool already holds the bytes and their hash: sync it and rename it into place, no copy.
        if spool.stored is not None:
            return spool.stored
        if spool.size > max_bytes:
            raise TooLarge(max_bytes)
        if spool.size == 0:
            raise EmptyFile()
        spool.raise_write_error()
        fd = spool.fileno()
        os.fchmod(fd, FILE_MODE)
        os.fsync(fd)
        blob = StoredBlob(sha256=spool.hexdigest(), size=spool.size)
        final = self.path_for(blob.sha256)
        if final.is_file():
            # Identical content is already stored; the name guarantees the bytes match.
            spool.release().unlink()
        else:
            self._make_dirs(final.parent)
            os.replace(spool.path, final)
            spool.release()
            fsync_dir(final.parent)
        spool.stored = blob
        return blob

    def _put_stream(self, stream: BinaryIO, *, max_bytes: int, chunk_size: int) -> StoredBlob:
        self._make_dirs(self.tmp_dir)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp_dir, prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX)
        tmp_path = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            while True:
                # Never ask for more than one byte past the limit, so an oversized upload is cut short.
                try:
                    chunk = stream.read(min(chunk_size, max_bytes + 1 - size))
                except OSError as exc:
                    raise StorageError(READ_ERROR_MESSAGE) from exc
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(max_bytes)
                digest.update(chunk)
                _write_all(fd, chunk)
            if size == 0:
                raise EmptyFile()
            os.fchmod(fd, FILE_MODE)
            os.fsync(fd)
            os.close(fd)
            fd = -1
            blob = StoredBlob(sha256=digest.hexdigest(), size=size)
            final = self.path_for(blob.sha256)
            if final.is_file():
                # Identical content is already stored; the name guarantees the bytes match.
                tmp_path.unlink()
                return blob
            self._make_dirs(final.parent)
            os.replace(tmp_path, final)
            fsync_dir(final.parent)
            return blob
        except BaseException:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
            with contextlib.suppress(OSError):
                tmp_path.unlink(missing_ok=True)
            raise

    def _make_dirs(self, path: Path) -> None:
        """Create `path` and missing parents, syncing each parent that gained an entry."""
        if path.is_dir():
            return
        self._make_dirs(path.parent)
        try:
            path.mkdir(mode=DIR_MODE)
        except FileExistsError:
            return  # another upload created it at the same moment
        fsync_dir(path.parent)

    def path_for(self, sha256: str) -> Path:
        """The path a blob with this SHA-256 lives at; ValueError unless it is 64 lowercase hex digits."""
        if not isinstance(sha256, str) or _SHA256.fullmatch(sha256) is None:
            raise ValueError("not a SHA-256 hex digest")
        return self.blobs_dir / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        """True if a blob with this SHA-256 is stored."""
        return self.path_for(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for reading; FileNotFoundError if it is not stored."""
        return self.path_for(sha256).open("rb")

    def delete(self, sha256: str) -> None:
        """Remove a blob if present; only for sweeping blobs nothing references any more."""
        # The fan-out directories stay: removing one could race a concurrent put that is about to
        # rename a new blob into it.
        self.path_for(sha256).unlink(missing_ok=True)

    def iter_blobs(self) -> Iterator[str]:
        """Yield the SHA-256 of every stored blob, in sorted order."""
        if not self.blobs_dir.is_dir():
            return
        for first in sorted(self.blobs_dir.iterdir()):
            if not first.is_dir() or len(first.name) != 2:
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir() or len(second.name) != 2:
                    continue
                for entry in sorted(second.iterdir()):
                    name = entry.name
                    if (
                        _SHA256.fullmatch(name)
                        and name[:2] == first.name
                        and name[2:4] == second.name
                        and entry.is_file()
                    ):
                        yield name

    def sweep_temp(self, older_than_seconds: int = 3600) -> int:
        """Delete temp files left by uploads that died mid-way; returns how many were removed."""
        if not self.tmp_dir.is_dir():
            return 0
        # An upload still in progress keeps touching its temp file, so only stale ones go.
        cutoff = time.time() - older_than_seconds
        removed = 0
        for entry in os.scandir(self.tmp_dir):
            try:
                if (
                    entry.is_file(follow_symlinks=False)
                    and entry.stat(follow_symlinks=False).st_mtime < cutoff
                ):
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:
                continue  # finished or swept by someone else meanwhile
        return removed


class Spool:
    """An uploaded file part written straight into the store's temp folder and hashed on the way.

    UploadRequest makes one for every file part of a multipart form, so an upload is written once and
    FileStore.put_stream (called with this object, the FileStorage's stream) only fsyncs it and renames
    it into place: no second copy, no re-reading to hash it.

    Anything else may read it like a file (read, readline, seek) once the parser is done. A write that
    fails (disk full) is remembered rather than raised, so the parser finishes and the upload is refused
    with the store's clear message; reading raises the same error. Closing removes the temp file unless
    the store took it; a temp file left by a killed worker is removed by FileStore.sweep_temp.
    """

    def __init__(self, store: FileStore) -> None:
        store._make_dirs(store.tmp_dir)
        fd, name = tempfile.mkstemp(dir=store.tmp_dir, prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX)
        self.store_root = store.root
        self.size = 0
        self.stored: StoredBlob | None = None
        self._fd = fd
        self._path: Path | None = Path(name)
        self._file = open(fd, "r+b", buffering=0, closefd=False)  # noqa: SIM115 - closed in close()
        self._digest = hashlib.sha256()
        self._error: OSError | None = None
        self._reading = False

    # Writing (the multipart parser) --------------------------------------------------------------------

    def write(self, data: bytes) -> int:
        if self._reading:
            raise io.UnsupportedOperation("a spooled upload is written once, then read")
        if self._error is None:
            try:
                _write_all(self._fd, data)
            except OSError as exc:
                self._error = exc
            else:
                self._digest.update(data)
        self.size += len(data)
        return len(data)

    def raise_write_error(self) -> None:
        """Raise the OSError a write met (a full disk), if any."""
        if self._error is not None:
            raise self._error

    def hexdigest(self) -> str:
        """The SHA-256 of everything written."""
        return self._digest.hexdigest()

    @property
    def path(self) -> Path:
        """The temp file (ValueError once the store took it)."""
        if self._path is None:
            raise ValueError("the spool was already stored")
        return self._path

    def release(self) -> Path:
        """Hand the temp file to the store: closing no longer removes it and nothing can write to it."""
        path = self.path
        self._path = None
        self._reading = True
        return path

    # Reading (anyone who reads the upload like a file) -----------------------------------------------------

    def read(self, size: int = -1) -> bytes:
        self._start_reading()
        return self._file.read(size)

    def readinto(self, buffer) -> int:
        self._start_reading()
        return self._file.readinto(buffer)

    def readline(self, size: int = -1) -> bytes:
        self._start_reading()
        return self._file.readline(size)

    def __iter__(self) -> Iterator[bytes]:
        self._start_reading()
        return iter(self._file)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._reading = True  # the parser seeks to 0 once the part is complete
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def _start_reading(self) -> None:
        self._reading = True
        self.raise_write_error()

    def fileno(self) -> int:
        return self._fd

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return not self._reading

    def seekable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def flush(self) -> None:
        return None

    def close(self) -> None:
        if self._fd < 0:
            return
        self._file.close()
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = -1
        if self._path is not None:
            with contextlib.suppress(OSError):
                self._path.unlink(missing_ok=True)
            self._path = None

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __del__(self) -> None:
        # A request that never closed its files (werkzeug closes them at the end of every request).
        with contextlib.suppress(Exception):
            self.close()


def get_store(app: Flask) -> FileStore:
    """The app's FileStore, kept under <WAYMARK_DATA_DIR>/files."""
    store = app.extensions.get("waymark_store")
    if store is None:
        store = FileStore(Path(app.config["WAYMARK_DATA_DIR"]) / "files")
        app.extensions["waymark_store"] = store
    return store
