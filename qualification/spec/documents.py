"""Reading spec documents from bytes (a file or an upload), with problems in the spec's own style."""

from __future__ import annotations

import json

from qualification.spec import SpecInvalid

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


def load_document(raw: bytes) -> object:
    """Parse JSON from bytes; SpecInvalid with a '$: ...' problem when it is not JSON at all."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise SpecInvalid([f"$: the document is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecInvalid(["$: the file is not UTF-8 text"]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecInvalid([f"$: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]) from None
    except RecursionError:
        raise SpecInvalid(["$: the document is nested too deeply"]) from None
