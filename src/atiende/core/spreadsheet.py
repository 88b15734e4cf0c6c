"""CSV exports every domain writes the same way: streamed lines, and cells a spreadsheet will
not run as formulas (CSV injection)."""

from __future__ import annotations

from typing import Any


class Echo:
    """A file-like object whose `write` answers the line: csv.writer(Echo()).writerow(...)
    is the line, for a StreamingHttpResponse."""

    def write(self, value: str) -> str:
        return value


def safe_cell(value: Any) -> str:
    """Text that a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
