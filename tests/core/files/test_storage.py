"""Content-addressed file store: atomic writes, limits, cleanup after failures, bounded memory."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
import time
import tracemalloc
from collections.abc import Iterator

import pytest
from flask import Flask

from core.files import storage
from core.files.storage import EmptyFile, FileStore, StorageError, StoredBlob, TooLarge, get_store


class GeneratorStream(io.RawIOBase):
    """A read-only raw stream fed by a generator of byte chunks, so nothing is held in memory."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        self.bytes_read += count
        return count


def _repeat(block: bytes, times: int) -> Iterator[bytes]:
    for _ in range(times):
        yield block


def _failing_after(chunks: list[bytes], exc: BaseException) -> Iterator[bytes]:
    yield from chunks
    raise exc


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "files")


def _temp_files(store: FileStore) -> list[str]:
    return sorted(os.listdir(store.tmp_dir)) if store.tmp_dir.exists() else []


def _all_files(store: FileStore) -> list[str]:
    return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())


# --- round trip, dedup, permissions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "chunk_size"),
    [
        (b"x", 1 << 20),
        (b"hello world\n", 1 << 20),
        (bytes(range(256)) * 1000, 1 << 20),
        (bytes(range(256)) * 1000, 7),
        (os.urandom(3 << 20), 1 << 20),
    ],
)
def test_round_trip_is_byte_for_byte(store, data, chunk_size):
    blob = store.put_stream(io.BytesIO(data), max_bytes=len(data), chunk_size=chunk_size)
    assert blob == StoredBlob(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    assert store.exists(blob.sha256)
    with store.open(blob.sha256) as fh:
        assert fh.read() == data
    path = store.path_for(blob.sha256)
    assert path == store.root / "blobs" / blob.sha256[:2] / blob.sha256[2:4] / blob.sha256
    assert _temp_files(store) == []


def test_final_file_permissions(store):
    blob = store.put_stream(io.BytesIO(b"secret evidence"), max_bytes=100)
    assert stat.S_IMODE(store.path_for(blob.sha256).stat().st_mode) == 0o640


def test_identical_content_is_stored_once(store):
    first = store.put_stream(io.BytesIO(b"same bytes"), max_bytes=100)
    mtime = store.path_for(first.sha256).stat().st_mtime_ns
    second = store.put_stream(io.BytesIO(b"same bytes"), max_bytes=100, chunk_size=3)
    other = store.put_stream(io.BytesIO(b"other bytes"), max_bytes=100)
    assert first == second
    assert list(store.iter_blobs()) == sorted([first.sha256, other.sha256])
    assert store.path_for(first.sha256).stat().st_mtime_ns == mtime
    assert _temp_files(store) == []


# --- limits -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk_size", [1, 3, 10, 1 << 20])
def test_exactly_max_bytes_is_accepted(store, chunk_size):
    blob = store.put_stream(io.BytesIO(b"0123456789"), max_bytes=10, chunk_size=chunk_size)
    assert blob.size == 10


@pytest.mark.parametrize("chunk_size", [1, 3, 10, 11, 1 << 20])
def test_one_byte_over_max_bytes_is_too_large(store, chunk_size):
    with pytest.raises(TooLarge) as info:
        store.put_stream(io.BytesIO(b"0123456789X"), max_bytes=10, chunk_size=chunk_size)
    assert info.value.max_bytes == 10
    assert "too large" in info.value.message
    assert _all_files(store) == []


def test_too_large_stops_reading_early(store):
    endless = GeneratorStream(_repeat(b"z" * 4096, 10**9))
    with pytest.raises(TooLarge, match="limit is 1 MB"):
        store.put_stream(endless, max_bytes=1 << 20, chunk_size=64 * 1024)
    assert endless.bytes_read == (1 << 20) + 1
    assert _all_files(store) == []


def test_empty_stream_is_refused(store):
    with pytest.raises(EmptyFile, match="empty"):
        store.put_stream(io.BytesIO(b""), max_bytes=10)
    assert _all_files(store) == []


@pytest.mark.parametrize(("max_bytes", "chunk_size"), [(0, 10), (-1, 10), (10, 0)])
def test_nonsense_limits_are_refused(store, max_bytes, chunk_size):
    with pytest.raises(ValueError, match="positive"):
        store.put_stream(io.BytesIO(b"x"), max_bytes=max_bytes, chunk_size=chunk_size)


# --- failures leave nothing behind ----------------------------------------------------------------


def test_stream_failing_mid_way_leaves_no_files(store):
    class DroppedConnectionError(Exception):
        pass

    stream = GeneratorStream(_failing_after([b"a" * 1000, b"b" * 1000], DroppedConnectionError()))
    with pytest.raises(DroppedConnectionError):
        store.put_stream(stream, max_bytes=10_000, chunk_size=100)
    assert _temp_files(store) == []
    assert list(store.iter_blobs()) == []


def test_stream_oserror_is_a_storage_error(store):
    stream = GeneratorStream(_failing_after([b"a" * 1000], OSError(errno.EIO, "read failed")))
    with pytest.raises(StorageError, match="Could not read the uploaded file") as info:
        store.put_stream(stream, max_bytes=10_000, chunk_size=100)
    assert isinstance(info.value.__cause__, OSError)
    assert _all_files(store) == []


def test_interrupt_mid_way_leaves_no_files(store):
    stream = GeneratorStream(_failing_after([b"a" * 1000], KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        store.put_stream(stream, max_bytes=10_000, chunk_size=100)
    assert _all_files(store) == []


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_during_write(store, monkeypatch):
    real_write = os.write
    calls = []

    def write_then_fail(fd, data):
        calls.append(len(data))
        if len(calls) > 2:
            _enospc()
        return real_write(fd, data)

    monkeypatch.setattr(storage.os, "write", write_then_fail)
    with pytest.raises(StorageError, match="disk may be full") as info:
        store.put_stream(io.BytesIO(b"q" * 10_000), max_bytes=10_000, chunk_size=1000)
    monkeypatch.undo()
    assert info.value.__cause__.errno == errno.ENOSPC
    assert len(calls) == 3
    assert _temp_files(store) == []
    assert list(store.iter_blobs()) == []


def test_disk_full_during_fsync(store, monkeypatch):
    monkeypatch.setattr(storage.os, "fsync", _enospc)
    with pytest.raises(StorageError, match="disk may be full") as info:
        store.put_stream(io.BytesIO(b"q" * 10_000), max_bytes=10_000)
    monkeypatch.undo()
    assert info.value.__cause__.errno == errno.ENOSPC
    assert _all_files(store) == []


def test_failed_rename_leaves_no_files(store, monkeypatch):
    monkeypatch.setattr(storage.os, "replace", _enospc)
    with pytest.raises(StorageError, match="disk may be full"):
        store.put_stream(io.BytesIO(b"data"), max_bytes=100)
    monkeypatch.undo()
    assert _all_files(store) == []


def test_write_returning_short_counts_still_writes_everything(store, monkeypatch):
    real_write = os.write
    monkeypatch.setattr(storage.os, "write", lambda fd, data: real_write(fd, bytes(data[:5])))
    data = bytes(range(256)) * 10
    blob = store.put_stream(io.BytesIO(data), max_bytes=len(data), chunk_size=100)
    monkeypatch.undo()
    with store.open(blob.sha256) as fh:
        assert fh.read() == data


# --- addressing -------------------------------------------------------------------------------------

GOOD_SHA = "a" * 64


@pytest.mark.parametrize(
    "bad",
    [
        "../x",
        "../" + "a" * 61,
        "",
        "a" * 63,
        "a" * 65,
        "A" * 64,
        "g" * 64,
        GOOD_SHA + "\n",
        "/" + "a" * 63,
        "aa/bb/" + "a" * 58,
        None,
        b"a" * 64,
    ],
)
def test_path_for_refuses_anything_but_lowercase_hex(store, bad):
    with pytest.raises(ValueError, match="SHA-256"):
        store.path_for(bad)
    for method in (store.exists, store.open, store.delete):
        with pytest.raises(ValueError, match="SHA-256"):
            method(bad)


def test_open_missing_blob(store):
    with pytest.raises(FileNotFoundError):
        store.open(GOOD_SHA)
    assert not store.exists(GOOD_SHA)


def test_delete_and_iter_blobs(store):
    blobs = [store.put_stream(io.BytesIO(data), max_bytes=100) for data in (b"one", b"two", b"three")]
    # Stray files in the blob tree are not blobs.
    (store.blobs_dir / "zz").mkdir()
    (store.blobs_dir / "zz" / "note.txt").write_text("x")
    (store.blobs_dir / "readme").write_text("x")
    assert list(store.iter_blobs()) == sorted(b.sha256 for b in blobs)
    store.delete(blobs[0].sha256)
    store.delete(blobs[0].sha256)  # already gone: no error
    assert not store.exists(blobs[0].sha256)
    assert list(store.iter_blobs()) == sorted(b.sha256 for b in blobs[1:])


def test_iter_blobs_on_a_new_store(store):
    assert list(store.iter_blobs()) == []
    assert store.sweep_temp() == 0


# --- temp sweep ---------------------------------------------------------------------------------------


def test_sweep_temp_removes_only_old_temp_files(store):
    blob = store.put_stream(io.BytesIO(b"keep me"), max_bytes=100)
    old = store.tmp_dir / "upload-old.part"
    fresh = store.tmp_dir / "upload-fresh.part"
    old.write_bytes(b"abandoned")
    fresh.write_bytes(b"in progress")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    os.utime(store.path_for(blob.sha256), (two_hours_ago, two_hours_ago))

    assert store.sweep_temp(older_than_seconds=3600) == 1
    assert not old.exists()
    assert fresh.exists()
    assert store.exists(blob.sha256)
    assert store.sweep_temp(older_than_seconds=0) == 1
    assert _temp_files(store) == []


# --- memory -------------------------------------------------------------------------------------------


def test_memory_does_not_grow_with_file_size(store):
    block = os.urandom(64 * 1024)
    blocks = 3200  # 200 MiB
    expected = hashlib.sha256()
    for piece in _repeat(block, blocks):
        expected.update(piece)

    tracemalloc.start()
    try:
        blob = store.put_stream(GeneratorStream(_repeat(block, blocks)), max_bytes=256 << 20)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert blob == StoredBlob(sha256=expected.hexdigest(), size=blocks * len(block))
    assert peak < 5 << 20, f"peak {peak / (1 << 20):.1f} MiB"
    assert store.path_for(blob.sha256).stat().st_size == 200 << 20
    store.delete(blob.sha256)


# --- app wiring ---------------------------------------------------------------------------------------


def test_get_store_uses_data_dir_and_caches(tmp_path):
    app = Flask(__name__)
    app.config["WAYMARK_DATA_DIR"] = str(tmp_path / "data")
    first = get_store(app)
    assert first.root == tmp_path / "data" / "files"
    assert get_store(app) is first
    assert app.extensions["waymark_store"] is first


def test_errors_carry_user_safe_messages():
    assert EmptyFile().message == "The file is empty."
    assert TooLarge(25 << 20).message == "The file is too large: the limit is 25 MB."
    assert StorageError().message == "Could not store the file."
    assert issubclass(TooLarge, StorageError)
    assert issubclass(EmptyFile, StorageError)
