"""Author Markdown → sanitised HTML: formatting survives, nothing executable does."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from server.guides.markdown import ALLOWED_TAGS, render_inline, render_markdown, sanitize_html

ALLOWED_ATTRS = {"a": {"href", "rel", "target"}, "img": {"src", "alt"}}

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="https://ok.example/a.png" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[click](file:///etc/passwd)",
    "[click](http://plain.example)",
    "[click](//evil.example/x)",
    "[click](/relative/path)",
    '[click](https://ok.example "title" onmouseover=alert(1))',
    '[click](https://ok.example" onmouseover="alert(1))',
    "![x](javascript:alert(1))",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](http://insecure.example/a.png)",
    '![x" onerror="alert(1)](https://ok.example/a.png)',
    '![x](https://ok.example/a.png"onerror="alert(1))',
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "[a]: javascript:alert(1)\n\n[x][a]",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<marquee onstart=alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "> <img src=x onerror=alert(1)>",
    "- <svg/onload=alert(1)>",
    "# <iframe src=javascript:alert(1)>",
    "**<a href=javascript:alert(1)>bold</a>**",
    "<span onclick=alert(1)>x</span>",
    '<span style="color:red">x</span>',
    '<p onmouseover="alert(1)">x</p>',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<img src="https://ok.example/a.png" style="width:9999px">',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<x onclick=alert(1)>x</x>",
]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_harmless(html: str) -> None:
    # Raw text '<' is escaped as &lt;, so every '<' left starts a real element; attribute
    # values (always double-quoted, '"' escaped) are blanked so only markup is searched.
    lowered = re.sub(r'"[^"]*"', '""', html.lower())
    for bad in ("<script", "<iframe", "<object", "<svg", "<embed", "<style", "<math", "<form"):
        assert bad not in lowered, html
    assert not re.search(r"<[^>]*\son\w+\s*=", lowered), html
    assert not re.search(r"<[^>]*\sstyle\s*=", lowered), html
    parser = _Collector()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs:
            assert name in ALLOWED_ATTRS.get(tag, set()), html
            value = (value or "").strip().lower()
            assert "javascript:" not in value and not value.startswith(("data:", "vbscript:")), html
            if name == "href":
                assert value.startswith(("https://", "mailto:")), html
            if name == "src":
                assert value.startswith("https://"), html


def test_there_are_at_least_fifty_payloads() -> None:
    assert len(XSS_PAYLOADS) >= 50


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_survives_rendering(payload: str) -> None:
    assert_harmless(render_markdown(payload))
    assert_harmless(render_inline(payload))
    assert_harmless(sanitize_html(payload))  # the sanitiser alone, with raw HTML input


def test_markdown_formatting_survives() -> None:
    html = render_markdown(
        "# Title\n\nSome **bold**, *em*, `code`.\n\n- one\n- two\n\n1. first\n\n> quote\n\n"
        "```\nblock\n```\n"
    )
    for tag in (
        "<h1>",
        "<strong>bold</strong>",
        "<em>em</em>",
        "<code>code</code>",
        "<ul>",
        "<li>one</li>",
        "<ol>",
        "<blockquote>",
        "<pre><code>block\n</code></pre>",
    ):
        assert tag in html, html  # fmt: skip


def test_links_open_in_a_new_tab_without_opener() -> None:
    html = render_markdown("[docs](https://docs.example/a?b=1&c=2) [mail](mailto:a@b.jp)")
    assert (
        '<a href="https://docs.example/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">'
        "docs</a>"
    ) in html
    assert 'href="mailto:a@b.jp"' in html


def test_unsafe_link_keeps_its_text_but_loses_its_href() -> None:
    html = render_markdown("[docs](http://insecure.example)")
    assert "href" not in html and ">docs</a>" in html
    assert 'rel="noopener noreferrer"' in html and 'target="_blank"' in html


def test_https_images_keep_src_and_alt() -> None:
    html = render_markdown("![Chart](https://cdn.example/c.png)")
    assert html == '<p><img src="https://cdn.example/c.png" alt="Chart"></p>'


def test_inline_rendering_has_no_paragraph_and_escapes_html() -> None:
    expected = "Hello <em>you</em> &amp; &lt;b&gt;me&lt;/b&gt;"
    assert render_inline("Hello *you* & <b>me</b>") == expected
    assert render_inline("") == "" and render_markdown("  \n") == ""


def test_japanese_text_is_kept_as_is() -> None:
    assert render_markdown("**ようこそ**、山田さん") == "<p><strong>ようこそ</strong>、山田さん</p>"
