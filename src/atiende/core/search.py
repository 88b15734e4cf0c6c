"""The language-neutral half of full-text search, shared by every searchable domain (tickets,
knowledge base).

Text is reduced to terms in Python: lower-cased, accents folded (Unidecode), each word
replaced by its Spanish and its English Snowball stem (PyStemmer). Documents and queries go
through the same functions, so "impresion" finds "impresión" and "impresoras" finds
"impresora" in both languages, on SQLite (FTS5) and PostgreSQL ('simple' tsvector) alike.
Each domain keeps its own index tables and matching SQL; this module only builds terms and
the match expressions over them.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from unidecode import unidecode

WORD = re.compile(r"[a-z0-9]+")
MAX_QUERY_WORDS = 8
_stemmers = {lang: Stemmer.Stemmer(lang) for lang in ("spanish", "english")}


@lru_cache(maxsize=50_000)
def word_terms(word: str) -> tuple[str, ...]:
    """The distinct stems of one folded word, in both languages."""
    stems = {stemmer.stemWord(word) for stemmer in _stemmers.values()}
    return tuple(sorted(s for s in stems if s))


def words(text: str) -> list[str]:
    """The folded, lower-case words of `text`."""
    return WORD.findall(unidecode(text or "").lower())


def terms(text: str) -> str:
    """A space-separated list of the stems in `text`, for storage in a search document."""
    seen: dict[str, None] = {}
    for word in words(text):
        for term in word_terms(word):
            seen.setdefault(term, None)
    return " ".join(seen)


def query_groups(
    query: str, *, limit: int = MAX_QUERY_WORDS, skip: frozenset[str] = frozenset()
) -> list[tuple[str, ...]]:
    """One group of alternative stems per query word, for the first `limit` words (words in
    `skip` left out first); every group must match (or any, see `fts5_expression`)."""
    groups: list[tuple[str, ...]] = []
    for word in [w for w in words(query) if w not in skip][:limit]:
        group = word_terms(word)
        if group and group not in groups:
            groups.append(group)
    return groups


def _prefix(term: str, position: int, count: int, last_only: bool) -> bool:
    return len(term) >= 4 and (not last_only or position == count - 1)


def fts5_expression(
    groups: list[tuple[str, ...]],
    columns: tuple[str, ...],
    *,
    any_group: bool = False,
    prefix_last_only: bool = False,
) -> str:
    """An FTS5 MATCH expression: every group (or, with `any_group`, any group) matches in one
    of `columns`; stems of four letters or more match as prefixes (with `prefix_last_only`,
    only those of the last word: the one still being typed)."""
    column_filter = "{" + " ".join(columns) + "}"
    parts = []
    for position, group in enumerate(groups):
        alternatives = " OR ".join(
            f'"{term}"*' if _prefix(term, position, len(groups), prefix_last_only) else f'"{term}"'
            for term in group
        )
        parts.append(f"{column_filter} : ({alternatives})")
    return (" OR " if any_group else " AND ").join(parts)


def tsquery(
    groups: list[tuple[str, ...]], *, any_group: bool = False, prefix_last_only: bool = False
) -> str:
    """The same expression as a PostgreSQL tsquery for the 'simple' configuration."""
    return (" | " if any_group else " & ").join(
        "("
        + " | ".join(
            f"{term}:*" if _prefix(term, position, len(groups), prefix_last_only) else term
            for term in group
        )
        + ")"
        for position, group in enumerate(groups)
    )
