"""Plain text from an HTML mail body: tags dropped, line breaks kept, quoted blocks marked with
"> " so the reply stripper can remove them like plain-text quotes."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "section", "article", "header", "footer", "address",
}  # fmt: skip
_SKIP = {"script", "style", "head", "title", "template"}
# Containers Gmail, Outlook and Thunderbird use for the quoted history of HTML replies.
_QUOTE_MARKERS = ("gmail_quote", "divrplyfwdmsg", "moz-cite-prefix", "yahoo_quoted")
# Tags mail clients often leave open; they do not count towards the nesting depth.
_OFTEN_UNCLOSED = {"p", "li", "td", "th", "tr", "dt", "dd", "option", "font", "img", "br", "hr"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.quote_depth = 0
        self.stack: list[tuple[str, bool]] = []
        self.max_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
            return
        marks = " ".join(f"{v}" for k, v in attrs if k in {"class", "id"} and v).lower()
        is_quote = tag == "blockquote" or any(m in marks for m in _QUOTE_MARKERS)
        if tag not in {"br", "hr", "img"}:
            self.stack.append((tag, is_quote))
            if is_quote:
                self.quote_depth += 1
            if tag not in _OFTEN_UNCLOSED:
                self.max_depth = max(self.max_depth, len(self.stack))
        if tag in _BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        # Pop up to the matching open tag (HTML in mail is rarely well formed).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for _, was_quote in self.stack[i:]:
                    if was_quote:
                        self.quote_depth -= 1
                del self.stack[i:]
                break
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        data = re.sub(r"[ \t\r\n\f\v]+", " ", data)
        if self.quote_depth:
            data = data.replace("\n", "\n> ")
            if not self.parts or self.parts[-1].endswith("\n"):
                data = "> " + data.lstrip()
        self.parts.append(data)


def html_to_text(html: str) -> str:
    return html_to_text_and_depth(html)[0]


def html_to_text_and_depth(html: str) -> tuple[str, int]:
    """The text, and how deeply the tags nest (deep nesting makes sanitising slow)."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # malformed HTML must never stop intake
        return re.sub(r"<[^>]{0,2000}>", " ", html).strip(), 0
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip(), parser.max_depth
