"""User text to safe HTML: nh3 strips scripts, handlers and dangerous URLs; Markdown renders."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.utils.safestring import SafeString

from atiende.core.sanitize import clean_html, clean_text, render_markdown


@pytest.mark.parametrize(
    "dirty",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<scr<script>ipt>alert(1)</script>",
        '<svg onload="alert(1)">',
        "<iframe src='https://evil.example'></iframe>",
        "<style>body{display:none}</style>",
        '<object data="x.swf"></object>',
        '<form action="https://evil.example"><input name="p"></form>',
    ],
)
def test_dangerous_elements_are_removed(dirty):
    html = clean_html(dirty).lower()
    for marker in ("<script", "<svg", "<iframe", "<style", "<object", "<form", "<input", "onload"):
        assert marker not in html


@pytest.mark.parametrize(
    "dirty",
    [
        '<p onclick="alert(1)">hi</p>',
        '<a href="https://example.org" onmouseover="alert(1)">x</a>',
        "<b OnFocus=alert(1)>x</b>",
        '<img src=x onerror="alert(1)">',
    ],
)
def test_event_handlers_are_removed(dirty):
    html = clean_html(dirty).lower()
    assert "alert" not in html
    assert " on" not in html


DANGEROUS = ("javascript:", "data:", "vbscript:", "file:")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "&#106;avascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
    ],
)
def test_dangerous_link_schemes_are_removed(url):
    html = clean_html(f'<a href="{url}">click</a>').lower()
    assert "href" not in html
    assert "click" in html
    markdown_html = render_markdown(f"[click]({url})")
    for href in re.findall(r'href="([^"]*)"', markdown_html):
        # What a browser parses (WHATWG URL): tabs and newlines anywhere are dropped, and
        # leading/trailing spaces and control characters; other spaces stay (no scheme then).
        url_seen = re.sub(r"[\t\n\r]", "", html_lib.unescape(href)).strip("\x00- ")
        squeezed = url_seen.lower()
        assert not squeezed.startswith(DANGEROUS), href


@pytest.mark.parametrize(
    "url", ["https://example.org/a?b=c", "http://x.example", "mailto:a@b.example"]
)
def test_safe_links_survive_with_rel(url):
    html = clean_html(f'<a href="{url}">ok</a>')
    assert f'href="{url.replace("&", "&amp;")}"' in html
    assert "noopener" in html and "nofollow" in html


def test_markdown_renders_a_safe_subset():
    html = render_markdown(
        "# Title\n\n**bold** and *em* and `code`\n\n- one\n- two\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n[site](https://example.org)\n\n<script>x()</script>"
    )
    assert isinstance(html, SafeString)
    for tag in ("<h1>", "<strong>bold</strong>", "<em>em</em>", "<code>code</code>", "<li>one</li>",
                "<table>", "<td>1</td>", 'href="https://example.org"'):  # fmt: skip
        assert tag in html
    assert "<script" not in html


def test_markdown_images_are_not_rendered():
    html = render_markdown("![pixel](https://tracker.example/p.gif)")
    assert "<img" not in html


def test_markdown_keeps_line_breaks_and_escapes_text():
    html = render_markdown("a < b\nc & d")
    assert "<br" in html
    assert "a &lt; b" in html and "c &amp; d" in html


def test_empty_and_none_render_to_empty():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_clean_text_strips_nuls_and_outer_space():
    assert clean_text("  a\x00b \n") == "ab"
    assert clean_text(None) == ""


def test_deeply_nested_html_is_escaped_instead_of_sanitised(monkeypatch):
    from atiende.core import sanitize

    hostile = "<div>" * 20_000 + "<script>alert(1)</script>" + "</div>" * 20_000

    def quadratic_sanitiser(*args, **kwargs):
        raise AssertionError("deep input must not reach nh3 (its time is quadratic in depth)")

    monkeypatch.setattr(sanitize.nh3, "clean", quadratic_sanitiser)
    cleaned = sanitize.clean_html(hostile)
    assert "<script>" not in cleaned and "<div>" not in cleaned
    assert "&lt;script&gt;" in cleaned
    monkeypatch.undo()
    assert sanitize.clean_html("<p><b>ok</b></p>") == "<p><b>ok</b></p>"
