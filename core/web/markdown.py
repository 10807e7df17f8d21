"""User-written Markdown rendered to sanitised HTML; the only module that imports markdown or bleach."""

from __future__ import annotations

import html
import re
import threading
from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from flask import Flask
from markupsafe import Markup

# attr_list and md_in_html (both part of "extra") are left out on purpose: they let the author set
# arbitrary attributes (onclick, style, ...) and we want the sanitiser to be a second line of defence,
# not the only one.
MARKDOWN_EXTENSIONS = (
    "abbr",
    "def_list",
    "fenced_code",
    "footnotes",
    "tables",
    "sane_lists",
    # Learners write reflective prose and expect a single line break to show as one.
    "nl2br",
)

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "b",
        "i",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "dl",
        "dt",
        "dd",
        "sup",
        "sub",
        "del",
        "abbr",
    }
)

ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Images only from the files attached to activities: the CSP (img-src 'self' data:) blocks every other
# origin anyway, so a remote or other image would only ever show as broken.
_IMAGE_SRC = re.compile(r"/study/files/[0-9]{1,12}")
LINK_REL = "nofollow noopener noreferrer"

# Footnote anchors need their ids to work; ids are limited to the footnote extension's own shape so an
# author cannot plant an id that clobbers a global the site's scripts rely on.
_FOOTNOTE_ID = re.compile(r"fn(?:ref\d*)?:[A-Za-z0-9_-]{1,64}")
_CODE_CLASS = re.compile(r"language-[A-Za-z0-9_+-]{1,40}")
# Same normalisation bleach applies before it looks at a URL's scheme: browsers ignore these characters.
_URL_NOISE = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+|[^\x00-\x7f]+")
_BLOCK_BOUNDARY = re.compile(r"<(?:/?(?:p|h[1-6]|li|ul|ol|dl|dt|dd|blockquote|pre|table|tr|th|td)|br|hr)\b")
_WHITESPACE = re.compile(r"\s+")


def _url_scheme(value: str) -> str | None:
    """The lowercased scheme of a URL, "" for a relative URL, None if it cannot be judged."""
    normalised = _URL_NOISE.sub("", html.unescape(value)).lower()
    match = re.match(r"([^/?#:]*):", normalised)
    if match is None:
        return ""
    scheme = match.group(1)
    return scheme if re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme) else None


def _img_attribute(tag: str, name: str, value: str) -> bool:
    if name in {"alt", "title"}:
        return True
    if name == "src":
        return _IMAGE_SRC.fullmatch(value) is not None
    return False


def _code_attribute(tag: str, name: str, value: str) -> bool:
    return name == "class" and _CODE_CLASS.fullmatch(value) is not None


def _footnote_attribute(tag: str, name: str, value: str) -> bool:
    return name == "id" and _FOOTNOTE_ID.fullmatch(value) is not None


ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "img": _img_attribute,
    "abbr": ["title"],
    "code": _code_attribute,
    "sup": _footnote_attribute,
    "li": _footnote_attribute,
}


def _harden_link(attrs: dict, is_new: bool) -> dict | None:
    """Linkify callback: give every link our rel; unwrap links the sanitiser left without an href."""
    href = attrs.get((None, "href"))
    if not href:
        return None
    # Bare-text linkify only for explicit http(s) URLs, so "setup.py" or "e.g.com" stay text.
    if is_new and not str(attrs.get("_text", "")).lower().startswith(("http://", "https://")):
        return None
    attrs[(None, "rel")] = LINK_REL
    return attrs


_LINK_URL_RE = bleach.linkifier.build_url_re(protocols=["http", "https"])
_local = threading.local()


def _cleaner() -> bleach.Cleaner:
    # bleach's Cleaner keeps parser state, so each thread gets its own.
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            # Filters run after the sanitiser, so the rel we add is not stripped as an unknown attribute.
            filters=[
                partial(
                    LinkifyFilter,
                    callbacks=[_harden_link],
                    skip_tags={"pre", "code"},
                    parse_email=False,
                    url_re=_LINK_URL_RE,
                )
            ],
        )
        _local.cleaner = cleaner
    return cleaner


def render_markdown(text: str | None) -> Markup:
    """Render user-written Markdown to sanitised HTML that is safe to put in a page."""
    if not text:
        return Markup("")
    # A fresh Markdown instance per call: instances keep state (footnotes, abbreviations) between runs.
    raw_html = markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS), output_format="html").convert(text)
    return Markup(_cleaner().clean(raw_html).strip())  # noqa: S704 - bleach output is sanitised HTML


def plain_excerpt(text: str | None, length: int = 200) -> str:
    """The rendered text without any markup, cut on a word boundary to at most `length` characters."""
    rendered = str(render_markdown(text))
    if not rendered:
        return ""
    # Without a space at block boundaries "<p>a</p><p>b</p>" would read "ab".
    spaced = _BLOCK_BOUNDARY.sub(lambda m: " " + m.group(0), rendered)
    # Unescape so the caller gets plain text; Jinja escapes it again on output.
    plain = html.unescape(bleach.clean(spaced, tags=set(), strip=True, strip_comments=True))
    plain = _WHITESPACE.sub(" ", plain).strip()
    if len(plain) <= length:
        return plain
    cut = plain[: max(length - 1, 0)]
    if not plain[len(cut)].isspace():
        # The cut fell inside a word: drop the partial word unless it is the only one.
        head, _space, _tail = cut.rpartition(" ")
        cut = head or cut
    return cut.rstrip(" ,;:.-") + "…"


def register_markdown_filter(app: Flask) -> None:
    """Make render_markdown available in templates as the `markdown` filter."""
    app.add_template_filter(render_markdown, "markdown")
