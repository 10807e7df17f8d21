"""QR codes as inline SVG `data:` URIs (segno): drawn by us, fetched from nowhere, sharp at any print size."""

from __future__ import annotations

import segno


def qr_data_uri(text: str) -> str:
    """A QR code of `text` (a URL, usually) as an SVG data URI for an `<img src>`.

    Error correction M survives a crease or a smudge on a printed certificate; the quiet zone of four
    modules is what phone cameras expect.
    """
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=4, border=4)
