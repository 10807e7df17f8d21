"""HTML to tagged, accessible PDF (PDF/UA-1): the only importer of WeasyPrint.

Certificates and transcripts are documents people keep and hand to employers, so they are tagged (a screen
reader reads them in order, tables as tables), carry their title and language, and embed their fonts (they
print the same on a machine without DejaVu). The app runs on closed networks: a PDF may use our own static
files and inline `data:` images, never anything fetched from elsewhere, so a template cannot make the server
call out (or stall on a DNS look-up) while it renders.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# DejaVu is installed with the Debian package fonts-dejavu-core (see docs/operations.md); the generic
# families are the fallback fontconfig picks when it is not.
SERIF = '"DejaVu Serif", "Liberation Serif", serif'
SANS = '"DejaVu Sans", "Liberation Sans", sans-serif'
_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}
log = logging.getLogger(__name__)


class Refused(ValueError):
    """A resource a PDF may not use: anything but our static folder and inline data."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `file:` URLs inside one folder and `data:` URLs; refuses every other address."""

    def __init__(self, folder: str | Path):
        super().__init__(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)
        self.folder = Path(folder).resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            log.warning("PDF resource refused: %s", url[:200])
            raise Refused(f"Not one of our static files: {url[:200]}")
        # resolve(): "../" and symbolic links cannot reach outside the folder.
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            log.warning("PDF resource refused: %s", url[:200])
            raise Refused(f"Not one of our static files: {url[:200]}")
        content_type = _TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


def html_to_pdf(html: str, *, static_folder: str | Path) -> bytes:
    """A tagged PDF/UA-1 document from a whole HTML page.

    The page gives the rest: its `<title>` becomes the document's title, `<html lang>` its language, and
    relative links (`css/certificate.css`) resolve against the static folder.
    """
    folder = Path(static_folder).resolve()
    document = HTML(
        string=html,
        base_url=folder.as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(folder),
        media_type="print",
    )
    return document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
