"""Untrusted text to safe HTML. Descriptions and replies are Markdown; any HTML in them is
reduced to a safe subset by nh3 (no scripts, no event handlers, no javascript: URLs)."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import markdown
import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "u", "ul", "span", "div",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


# The sanitiser's time grows with the square of tag nesting (20,000 nested tags: ~3 s).
# Real content never nests deeply; deeper input is shown as escaped text instead.
MAX_TAG_DEPTH = 400
_TAG = re.compile(r"<(/?)[a-zA-Z][^>]*?(/?)>")


def tag_depth(html: str) -> int:
    depth = deepest = 0
    for closing, self_closing in _TAG.findall(html):
        if closing:
            depth = max(0, depth - 1)
        elif not self_closing:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def clean_html(html: str) -> str:
    if tag_depth(html) > MAX_TAG_DEPTH:
        return "<p>" + escape(html) + "</p>"
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_converters = threading.local()


def _converter() -> markdown.Markdown:
    """One Markdown converter per thread: building one costs more than converting a reply."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = markdown.Markdown(extensions=["extra", "sane_lists", "nl2br"])
        _converters.markdown = converter
    return converter


# The same reply is drawn again and again (every view of its ticket, every live refresh);
# its HTML depends on nothing but its text. Short texts only, so the cache stays a few MB.
CACHED_TEXT_CHARS = 4096


@lru_cache(maxsize=2048)
def _render_cached(text: str) -> str:
    return _render(text)


def _render(text: str) -> str:
    return clean_html(_converter().reset().convert(text))


def render_markdown(text: str) -> SafeString:
    text = text or ""
    html = _render_cached(text) if len(text) <= CACHED_TEXT_CHARS else _render(text)
    return mark_safe(html)  # noqa: S308 - cleaned by nh3 in clean_html


def clean_text(text: str) -> str:
    """Normalise user text for storage: strip NULs and surrounding whitespace."""
    return (text or "").replace("\x00", "").strip()
