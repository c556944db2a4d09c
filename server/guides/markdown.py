"""Author Markdown → sanitised HTML for the SDK (titles inline-only, bodies block-level).

Two layers: markdown-it renders CommonMark with raw HTML disabled (any ``<tag>`` the
author types becomes text), then nh3 keeps only an allow-list of tags and attributes.
Links keep ``https:``/``mailto:`` hrefs only and open in a new tab; images ``https:`` only.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "a", "ul", "ol", "li", "code", "pre", "blockquote",
     "h1", "h2", "h3", "h4", "img", "span"}
)  # fmt: skip
_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}}
_LINK_SCHEMES = ("https://", "mailto:")
_IMAGE_SCHEMES = ("https://",)


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    # Scheme checks by prefix on the decoded value: relative URLs, data:, javascript: all go.
    if tag == "a" and attr == "href":
        return value if value.lower().startswith(_LINK_SCHEMES) else None
    if tag == "img" and attr == "src":
        return value if value.lower().startswith(_IMAGE_SCHEMES) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(attrs) for tag, attrs in _ATTRIBUTES.items()},
    attribute_filter=_filter_attribute,
    url_schemes={"https", "mailto"},
    link_rel="noopener noreferrer",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    strip_comments=True,
)


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


_MD = _parser()


def sanitize_html(html: str) -> str:
    """Keep only the allowed tags/attributes/URL schemes of an HTML fragment."""
    return _CLEANER.clean(html)


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Render a step body (CommonMark) to sanitised HTML; ``""`` for empty text."""
    if not text.strip():
        return ""
    return sanitize_html(_MD.render(text)).strip()


@lru_cache(maxsize=4096)
def render_inline(text: str) -> str:
    """Render a title: inline Markdown only (emphasis, code, links), sanitised, no ``<p>``."""
    if not text.strip():
        return ""
    return sanitize_html(_MD.renderInline(text)).strip()
