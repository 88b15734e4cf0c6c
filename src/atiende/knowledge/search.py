"""Full-text matching of articles, ranked, the same on SQLite and PostgreSQL.

Terms come from core.search (accent-insensitive, Spanish and English stems, as for
tickets). The database matches and ranks them: FTS5 with bm25 on SQLite, a stored weighted
tsvector with ts_rank on PostgreSQL (migration 0002); the title weighs more than the text.
Who may read a match is not decided here: selectors apply `articles_visible_to` to the
ranked ids this module returns.
"""

from __future__ import annotations

from django.db import connection

from atiende.core.search import fts5_expression, query_groups, terms, tsquery

# The best-ranked matches read from the index; the reader's visible ones among them are
# shown. Ranking every match of a common word costs time with no use: nobody reads the
# thousandth answer.
MATCH_LIMIT = 500

# Words too common to suggest anything (typed in a ticket's title and description): left
# out of the "any word" queries of suggestions, never of a search's "every word".
STOP_WORDS = frozenset(
    [
        "a",
        "al",
        "algo",
        "ante",
        "como",
        "con",
        "de",
        "del",
        "desde",
        "el",
        "ella",
        "en",
        "era",
        "es",
        "esta",
        "este",
        "esto",
        "ha",
        "hay",
        "la",
        "las",
        "le",
        "lo",
        "los",
        "mas",
        "me",
        "mi",
        "mis",
        "muy",
        "nada",
        "ni",
        "no",
        "nos",
        "o",
        "os",
        "para",
        "pero",
        "por",
        "que",
        "se",
        "sea",
        "ser",
        "si",
        "sin",
        "sobre",
        "su",
        "sus",
        "te",
        "tengo",
        "tiene",
        "todo",
        "tu",
        "un",
        "una",
        "uno",
        "y",
        "ya",
        "yo",
        "puedo",
        "funciona",
        "hola",
        "gracias",
        "favor",
        "buenos",
        "buenas",
        "dias",
        "the",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "hello",
        "i",
        "in",
        "is",
        "it",
        "its",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "please",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "with",
        "work",
        "works",
        "would",
        "you",
        "your",
        "thanks",
    ]
)
SUGGEST_WORDS = 8
ENOUGH = 5

_PG_SQL = (
    "SELECT article_id, ts_rank(search_tsv, query) AS rank "
    "FROM knowledge_articlesearchdocument, to_tsquery('simple', %s) query "
    "WHERE search_tsv @@ query ORDER BY rank DESC, article_id DESC LIMIT %s"
)
# Suggestions rank at most the first SUGGEST_RANKED matches: ts_rank reads each match's
# vector, and a word or two typed so far match thousands of articles (measured with 100,000
# articles: 59 ms median unbounded).
SUGGEST_RANKED = 1000
_PG_BOUNDED_SQL = (
    "SELECT article_id, ts_rank(search_tsv, query) AS rank FROM ("
    "SELECT article_id, search_tsv, query "
    "FROM knowledge_articlesearchdocument, to_tsquery('simple', %s) query "
    "WHERE search_tsv @@ query LIMIT %s) AS matches "
    "ORDER BY rank DESC, article_id DESC LIMIT %s"
)
# Titles only (weight A), for the suggestions' second pass.
_PG_TITLE_SQL = (
    "SELECT article_id, ts_rank(search_tsv, query) AS rank "
    "FROM knowledge_articlesearchdocument, to_tsquery('simple', %s) query "
    "WHERE search_tsv @@ query AND ts_filter(search_tsv, '{a}') @@ query "
    "ORDER BY rank DESC, article_id DESC LIMIT %s"
)
# bm25: lower is better; the title column weighs five times the text.
_SQLITE_SQL = (
    "SELECT rowid, -bm25(knowledge_search_fts, 5.0, 1.0) AS rank FROM knowledge_search_fts "
    "WHERE knowledge_search_fts MATCH %s ORDER BY rank DESC, rowid DESC LIMIT %s"
)


def document_terms(title: str, body: str, tags: list[str]) -> tuple[str, str]:
    """The title terms (with the tags) and the text terms of an article."""
    return terms(" ".join([title, *tags])), terms(body)


def _ranked(groups: list[tuple[str, ...]], *, any_group: bool, title_only: bool,
            prefix_last_only: bool, limit: int, bounded: bool = False) -> list[int]:  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = _PG_TITLE_SQL if title_only else _PG_BOUNDED_SQL if bounded else _PG_SQL
            query = tsquery(groups, any_group=any_group, prefix_last_only=prefix_last_only)
            params: list[str | int] = (
                [query, SUGGEST_RANKED, limit] if sql is _PG_BOUNDED_SQL else [query, limit]
            )
            cursor.execute(sql, params)
        else:
            columns = ("title_terms",) if title_only else ("title_terms", "body_terms")
            expression = fts5_expression(
                groups, columns, any_group=any_group, prefix_last_only=prefix_last_only
            )
            cursor.execute(_SQLITE_SQL, [expression, limit])
        return [row[0] for row in cursor.fetchall()]


def ranked_ids(query: str, *, any_word: bool = False, limit: int = MATCH_LIMIT) -> list[int]:
    """Ids of the articles matching `query`, best first.

    A search (`any_word` False) wants every word. Suggestions while typing (`any_word`) want
    the telling words (common ones left out; only the last word, still being typed, as a
    prefix): first the articles with all of them; when those are fewer than ENOUGH, then
    those whose title has any of them. Ranking every article that has any word of a long
    description would cost a ranking of most of the base (measured: 65 ms median, 156 ms at
    the 95th percentile with 100,000 articles on SQLite, against 26 and 50 ms this way)."""
    if not any_word:
        groups = query_groups(query)
        if not groups:
            return []
        return _ranked(groups, any_group=False, title_only=False, prefix_last_only=False,
                       limit=limit)  # fmt: skip
    groups = query_groups(query, limit=SUGGEST_WORDS, skip=STOP_WORDS)
    if not groups:
        return []
    found = _ranked(
        groups, any_group=False, title_only=False, prefix_last_only=True, limit=limit, bounded=True
    )
    if len(found) < ENOUGH and len(groups) > 1:
        seen = set(found)
        more = _ranked(groups, any_group=True, title_only=True, prefix_last_only=True, limit=limit)
        found += [pk for pk in more if pk not in seen]
    return found
