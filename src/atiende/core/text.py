"""Text that can be stored. Python strings may hold lone surrogates (U+D800..U+DFFF): JSON's
"\\ud800" escape decodes to one, and so do a few codecs a client or a mail may name
(raw_unicode_escape, utf-7) and surrogateescape'd 8-bit header bytes. UTF-8 cannot encode
them, so the database refuses the write with an encoding error (a 500). Input is checked
(or, for mail, repaired) at the boundary with these helpers."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def has_lone_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def without_surrogates(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (what a decoder does with bad bytes)."""
    return _SURROGATE.sub(REPLACEMENT, text)


def lone_surrogate_path(data: Any, path: str = "") -> str | None:
    """The dotted path ("items.0.title") of the first string in decoded JSON or form data that
    holds a lone surrogate, in a key or a value; None when there is none. "" is the root."""
    if isinstance(data, str):
        return path if has_lone_surrogate(data) else None
    if isinstance(data, dict):
        children = list(data.items())
    elif isinstance(data, (list, tuple)):
        children = list(enumerate(data))
    else:
        return None
    for key, value in children:
        name = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and has_lone_surrogate(key):
            return without_surrogates(name)
        found = lone_surrogate_path(value, name)
        if found is not None:
            return found
    return None


def fold(text: str) -> str:
    """`text` without accents and case ("ÁLVARO Núñez" → "alvaro nunez"): the stored search
    keys of people (accounts.User.*_key), so a prefix search behaves the same on SQLite,
    whose LIKE and UPPER() know ASCII only, and on PostgreSQL. Letters that do not decompose
    (ß, ø) are only case-folded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
