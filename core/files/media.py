"""The inside of images, audio, video and PDFs: each image and MP3 followed from its first byte to its end,
and nothing else hidden in any of them (issue 15: a JPEG header followed by a program, an MP3 header followed
by a zip, were accepted on their first bytes alone).

The file is mapped, not read, so a 50 MB upload costs no memory of its own; pixels are decoded by Pillow only
within a cap, a JPEG at an eighth of its size (which still reads every byte of it), a PNG never (its
compressed pixel data is expanded as a stream and counted instead).
"""

from __future__ import annotations

import io
import mmap
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from PIL import Image

from core.files.hidden import hidden_file
from core.files.kinds import HIDDEN_FILE_MESSAGE, Refused

# 40 megapixels holds any phone photo and an A3 scan at 400 dpi; JPEG and PNG are checked in little memory.
MAX_PIXELS = 40_000_000
# GIF and WebP are decoded whole (a WebP at 4 bytes a pixel): 12 megapixels keep that under 50 MB.
MAX_DECODED_PIXELS = 12_000_000
# Bytes allowed after an image's or an audio file's end (some programs pad with a few zeros).
TRAILING_SLACK = 64
_CHUNK = 1 << 20

DAMAGED_IMAGE = (
    "The image is damaged or incomplete, so it was refused. Save or export it again and upload the new copy."
)
TRAILING_DATA = (
    "The image has extra data after its end (some phones add a short video to a photo), so it was refused. "
    "Save or export it again as an ordinary picture and upload the new copy."
)
TOO_MANY_PIXELS = "The image is too large ({} megapixels at most). Make it smaller and try again."
DAMAGED_MP3 = (
    "The MP3 file is damaged or is not really MP3 audio (its frames could not be followed to the end), "
    "so it was refused. Export it again and upload the new copy."
)
_PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
_IMAGE_KINDS = frozenset(_PIL_FORMATS)


def check_media(fh: BinaryIO, size: int, kind: str) -> None:
    """Refuse an image, audio or video file with another file inside it, or an image or MP3 whose structure
    does not hold from start to end."""
    with _mapped(fh, size) as data:
        if hidden_file(data):
            raise Refused(HIDDEN_FILE_MESSAGE)
        if kind in _IMAGE_KINDS:
            end = _IMAGE_ENDS[kind](data)
            if size - end > TRAILING_SLACK:
                raise Refused(TRAILING_DATA)
        elif kind == "mp3":
            _mp3_frames(data)
    if kind in _IMAGE_KINDS:
        _pixels(fh, kind)


def check_pdf(fh: BinaryIO, size: int) -> None:
    """Refuse a PDF with a program or an archive hidden in it (a PDF header and a zip after it, say)."""
    with _mapped(fh, size) as data:
        if hidden_file(data):
            raise Refused(HIDDEN_FILE_MESSAGE)


@contextmanager
def _mapped(fh: BinaryIO, size: int) -> Iterator[bytes | mmap.mmap]:
    try:
        fileno = fh.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        fileno = None
    if fileno is None or size == 0:
        fh.seek(0)
        yield fh.read()
        return
    with mmap.mmap(fileno, 0, access=mmap.ACCESS_READ) as data:
        yield data


# Images: where each ends -----------------------------------------------------------------------------------


def _damaged() -> Refused:
    return Refused(DAMAGED_IMAGE)


def _png_end(data) -> int:
    """Follow the chunks (each CRC checked) to IEND; the pixel data is inflated as a stream and must come to
    exactly the size the header gives, so a PNG 'bomb' is stopped at that size without being held."""
    size, at = len(data), 8
    inflater, expanded, expected = zlib.decompressobj(), 0, -1
    while True:
        if at + 12 > size:
            raise _damaged()
        length, kind = struct.unpack_from(">I4s", data, at)
        body, end = at + 8, at + 12 + length
        if end > size or (expected < 0 and kind != b"IHDR"):
            raise _damaged()
        crc = zlib.crc32(kind)
        for start in range(body, body + length, _CHUNK):
            piece = data[start : min(start + _CHUNK, body + length)]
            crc = zlib.crc32(piece, crc)
            if kind == b"IDAT":
                expanded += _inflate(inflater, piece, expected - expanded)
        if crc != struct.unpack_from(">I", data, body + length)[0]:
            raise _damaged()
        if kind == b"IHDR":
            expected = _png_pixel_bytes(data[body : body + length])
        if kind == b"IEND":
            if not inflater.eof or expanded != expected:
                raise _damaged()
            return end
        at = end


def _inflate(inflater, piece: bytes, room: int) -> int:
    out = 0
    while piece:
        out += len(inflater.decompress(piece, _CHUNK))
        piece = inflater.unconsumed_tail
        if out > room:
            raise _damaged()
    return out


# Interlaced PNGs hold seven passes: (first column, first row, column step, row step).
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _png_pixel_bytes(header: bytes) -> int:
    if len(header) != 13:
        raise _damaged()
    width, height, depth, colour, _compression, _filter, interlace = struct.unpack(">IIBBBBB", header)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour)
    if channels is None or not width or not height:
        raise _damaged()
    if width * height > MAX_PIXELS:
        raise Refused(TOO_MANY_PIXELS.format(MAX_PIXELS // 1_000_000))
    bits = channels * depth
    total = 0
    for x0, y0, dx, dy in _ADAM7 if interlace else ((0, 0, 1, 1),):
        columns, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and rows > 0:
            total += rows * (1 + -(-columns * bits // 8))
    return total


def _jpeg_end(data, start: int = 0) -> int:
    """Follow the markers and the entropy-coded data to EOI; where the image ends."""
    size, at = len(data), start + 2
    while True:
        if at >= size or data[at] != 0xFF:
            raise _damaged()
        while at < size and data[at] == 0xFF:  # fill bytes before a marker
            at += 1
        if at >= size:
            raise _damaged()
        marker = data[at]
        at += 1
        if marker == 0xD9:
            return at
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue
        if at + 2 > size:
            raise _damaged()
        (length,) = struct.unpack_from(">H", data, at)
        at += length
        if length < 2 or at > size:
            raise _damaged()
        if marker == 0xDA:
            at = _after_scan(data, at)


def _after_scan(data, at: int) -> int:
    """Where the entropy-coded data after a start-of-scan ends: the first marker that is not a stuffed zero
    byte or a restart."""
    size = len(data)
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= size:
            raise _damaged()
        following = data[at + 1]
        if following == 0 or 0xD0 <= following <= 0xD7:
            at += 2
        elif following == 0xFF:
            at += 1
        else:
            return at


def _jpegs_end(data) -> int:
    # Cameras store further images (Multi-Picture Format: a larger preview, a depth map) after the first;
    # they are followed too. Anything else after the last one counts as trailing data.
    end = _jpeg_end(data)
    for _ in range(16):
        following = end
        while following < len(data) and data[following] == 0 and following - end < TRAILING_SLACK:
            following += 1
        if data[following : following + 3] != b"\xff\xd8\xff":
            break
        end = _jpeg_end(data, following)
    return end


def _gif_end(data) -> int:
    """Follow the blocks (extensions and images, each a chain of sub-blocks) to the trailer."""
    size = len(data)
    if size < 13:
        raise _damaged()
    flags = data[10]
    at = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while at < size:
        block = data[at]
        if block == 0x3B:
            return at + 1
        if block == 0x21:
            at = _sub_blocks(data, at + 2)
        elif block == 0x2C and at + 10 <= size:
            flags = data[at + 9]
            at += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
            at = _sub_blocks(data, at + 1)  # after the LZW code size
        else:
            raise _damaged()
    raise _damaged()


def _sub_blocks(data, at: int) -> int:
    size = len(data)
    while at < size:
        length = data[at]
        at += 1 + length
        if length == 0:
            return at
    raise _damaged()


def _riff_end(data) -> int:
    """Where a RIFF file (WebP) ends by its own size field."""
    if len(data) < 12:
        raise _damaged()
    (length,) = struct.unpack_from("<I", data, 4)
    end = 8 + length + (length & 1)
    if end > len(data) + 1:  # some writers leave out the final pad byte
        raise _damaged()
    return min(end, len(data))


_IMAGE_ENDS = {"png": _png_end, "jpeg": _jpegs_end, "gif": _gif_end, "webp": _riff_end}


def _pixels(fh: BinaryIO, kind: str) -> None:
    """Pillow reads the image: its header and checks (verify), then its pixels within the caps."""
    formats = [_PIL_FORMATS[kind]]
    cap = MAX_PIXELS if kind in ("png", "jpeg") else MAX_DECODED_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            fh.seek(0)
            with Image.open(fh, formats=formats) as image:
                width, height = image.size
                if width * height > cap:
                    raise Refused(TOO_MANY_PIXELS.format(cap // 1_000_000))
                image.verify()
            if kind == "png":
                return  # its pixel data was inflated and counted by _png_end
            fh.seek(0)
            with Image.open(fh, formats=formats) as image:
                if kind == "jpeg":
                    # Decoding at an eighth of the size still reads every coded block, in 1/64 of the memory.
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Refused(TOO_MANY_PIXELS.format(cap // 1_000_000)) from exc
    except Exception as exc:  # Pillow tells a broken image by many exception types; all mean the same here
        raise _damaged() from exc


# MP3: frame after frame -----------------------------------------------------------------------------------

_KBPS = {
    (3, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),  # MPEG-1 layer I
    (3, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),  # MPEG-1 layer II
    (3, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1 layer III
    (2, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),  # MPEG-2/2.5 layer I
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2/2.5 layers II, III
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mp3_frame_length(header: int) -> int | None:
    """The length in bytes of the MPEG audio frame this 32-bit header starts, or None if it is not one."""
    version, layer = (header >> 19) & 3, (header >> 17) & 3
    bitrate, rate, padding = (header >> 12) & 15, (header >> 10) & 3, (header >> 9) & 1
    if header >> 21 != 0x7FF or version == 1 or layer == 0 or bitrate in (0, 15) or rate == 3:
        return None
    if header & 3 == 2:  # the reserved emphasis
        return None
    kbps = _KBPS[(3 if version == 3 else 2, layer if version == 3 or layer == 3 else 2)][bitrate]
    hz = _SAMPLE_RATES[version][rate]
    if layer == 3:
        return (12000 * kbps // hz + padding) * 4
    if layer == 1 and version != 3:
        return 72000 * kbps // hz + padding
    return 144000 * kbps // hz + padding


def _mp3_frames(data) -> None:
    """Walk from the start (after any ID3v2 tags, by their own sizes) frame by frame to the end, which may
    hold an APE tag and an ID3v1 tag; only the last frame may be cut short."""
    end = len(data)
    if end >= 128 and data[end - 128 : end - 125] == b"TAG":
        end -= 128
    if end >= 32 and data[end - 32 : end - 24] == b"APETAGEX":
        tag_size, flags = struct.unpack_from("<I4xI", data, end - 20)
        end -= tag_size + (32 if flags & 0x80000000 else 0)
    at = 0
    while data[at : at + 3] == b"ID3" and at + 10 <= end:
        sizes = data[at + 6 : at + 10]
        if any(b & 0x80 for b in sizes):
            raise Refused(DAMAGED_MP3)
        tag = (sizes[0] << 21) | (sizes[1] << 14) | (sizes[2] << 7) | sizes[3]
        at += 10 + tag + (10 if data[at + 5] & 0x10 else 0)
    frames = 0
    while at + 4 <= end:
        length = mp3_frame_length(struct.unpack_from(">I", data, at)[0])
        if length is None:
            raise Refused(DAMAGED_MP3)
        if at + length > end:
            break  # the last frame, cut short: common, and harmless
        at += length
        frames += 1
    if frames == 0 or end < 0:
        raise Refused(DAMAGED_MP3)
