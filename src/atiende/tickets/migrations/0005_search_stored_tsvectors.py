"""PostgreSQL: keep the search vectors in stored generated columns, indexed with GIN.

Indexing expressions (0002) made PostgreSQL recompute to_tsvector for every candidate row
on recheck and left the planner without statistics on the vectors; stored columns fix both
(measured on 1M tickets in docs/performance.md). SQLite keeps its FTS5 table.
"""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS ticket_search_public_gin",
    "DROP INDEX IF EXISTS ticket_search_all_gin",
    """ALTER TABLE tickets_ticketsearchdocument
        ADD COLUMN public_tsv tsvector
            GENERATED ALWAYS AS (to_tsvector('simple', public_terms)) STORED,
        ADD COLUMN all_tsv tsvector
            GENERATED ALWAYS AS (to_tsvector('simple', public_terms || ' ' || internal_terms)) STORED""",
    "CREATE INDEX ticket_search_public_tsv ON tickets_ticketsearchdocument USING gin (public_tsv)",
    "CREATE INDEX ticket_search_all_tsv ON tickets_ticketsearchdocument USING gin (all_tsv)",
    # Statistics on the new vectors let the planner choose between the GIN index (rare
    # words) and walking the recent-tickets index (common words).
    "ANALYZE tickets_ticketsearchdocument",
]
BACKWARD = [
    "DROP INDEX IF EXISTS ticket_search_public_tsv",
    "DROP INDEX IF EXISTS ticket_search_all_tsv",
    "ALTER TABLE tickets_ticketsearchdocument DROP COLUMN public_tsv, DROP COLUMN all_tsv",
    """CREATE INDEX ticket_search_public_gin ON tickets_ticketsearchdocument
        USING gin (to_tsvector('simple', public_terms))""",
    """CREATE INDEX ticket_search_all_gin ON tickets_ticketsearchdocument
        USING gin (to_tsvector('simple', public_terms || ' ' || internal_terms))""",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_ticket_event_sla")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
