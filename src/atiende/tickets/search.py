"""Full-text search of tickets, the same on SQLite and PostgreSQL.

Text is reduced to terms in Python (core.search): lower-cased, accents folded, each word
replaced by its Spanish and its English Snowball stem (PyStemmer). Documents and queries go
through the same function, so "impresion" finds "impresión" and "impresoras" finds "impresora" in both
languages. The database only matches terms: FTS5 on SQLite, a GIN-indexed tsvector with the
'simple' configuration on PostgreSQL (migrations 0002 and 0005).
"""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

# The language-neutral pieces live in core.search (shared with the knowledge base); the
# names stay importable from here.
from atiende.core.search import MAX_QUERY_WORDS, WORD, query_groups, terms, word_terms, words
from atiende.core.search import fts5_expression as _fts5_expression
from atiende.core.search import tsquery as _tsquery

__all__ = [
    "MAX_QUERY_WORDS",
    "WORD",
    "query_groups",
    "search_tickets",
    "terms",
    "word_terms",
    "words",
]


# Stored, GIN-indexed tsvector columns (migration 0005): requesters search public_tsv only.
PG_SELECTIVE_ROWS = 5000
PG_MATCH_LIST_MAX = 20000
PG_SEARCH_SQL = {
    False: "SELECT ticket_id FROM tickets_ticketsearchdocument "
    "WHERE public_tsv @@ to_tsquery('simple', %s)",
    True: "SELECT ticket_id FROM tickets_ticketsearchdocument "
    "WHERE all_tsv @@ to_tsquery('simple', %s)",
}


def _pg_estimated_rows(sql: str, tsquery: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, [tsquery])
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def search_tickets(
    tickets: QuerySet, query: str, *, include_internal: bool
) -> tuple[QuerySet, bool]:
    """Narrow `tickets` to those whose text matches `query` (all words, any language), and
    say whether the result is bounded: at most PG_MATCH_LIST_MAX tickets, named by id.

    Requesters never match on internal notes: their searches read `public_terms` only.
    A bounded result is best paged by sorting it in memory
    (`paginate(..., bounded=True)`): asked for its first page with ORDER BY ... LIMIT,
    PostgreSQL may walk the recent-tickets index hoping to meet the matches early, and
    walked 670,000 rows (0.4 s) for a search whose 41 matches were old."""
    groups = query_groups(query)
    if not groups:
        return tickets, False
    columns = ("public_terms", "internal_terms") if include_internal else ("public_terms",)
    if connection.vendor == "postgresql":
        tsquery = _tsquery(groups)
        sql = PG_SEARCH_SQL[include_internal]
        # A selective query (few matches) is answered by primary-key lookups on its matches;
        # given the semi-join instead, the planner walks the whole recent-tickets index for
        # a rare word (measured: 1.5 s on 1M tickets). The planner's own estimate, which
        # costs no execution, tells the two apart; a common word keeps the semi-join.
        if _pg_estimated_rows(sql, tsquery) <= PG_SELECTIVE_ROWS:
            with connection.cursor() as cursor:
                cursor.execute(sql + " LIMIT %s", [tsquery, PG_MATCH_LIST_MAX + 1])
                matches = [row[0] for row in cursor.fetchall()]
            if len(matches) <= PG_MATCH_LIST_MAX:  # else the estimate was wrong: semi-join
                return tickets.filter(id__in=matches), True
        return tickets.filter(id__in=RawSQL(sql, [tsquery])), False  # noqa: S611 - params bound
    expression = _fts5_expression(groups, columns)
    sql = "SELECT rowid FROM tickets_search_fts WHERE tickets_search_fts MATCH %s"
    return tickets.filter(id__in=RawSQL(sql, [expression])), False  # noqa: S611 - params bound
