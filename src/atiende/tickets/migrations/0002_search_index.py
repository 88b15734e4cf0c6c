"""Full-text index over the search documents, per database.

SQLite: an external-content FTS5 table kept in step by triggers.
PostgreSQL: GIN indexes over the exact tsvector expressions that search.py queries.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE tickets_search_fts USING fts5(
        public_terms, internal_terms,
        content='tickets_ticketsearchdocument', content_rowid='ticket_id',
        tokenize='unicode61 remove_diacritics 2', detail=column)""",
    """CREATE TRIGGER tickets_search_ai AFTER INSERT ON tickets_ticketsearchdocument BEGIN
        INSERT INTO tickets_search_fts(rowid, public_terms, internal_terms)
        VALUES (new.ticket_id, new.public_terms, new.internal_terms); END""",
    """CREATE TRIGGER tickets_search_ad AFTER DELETE ON tickets_ticketsearchdocument BEGIN
        INSERT INTO tickets_search_fts(tickets_search_fts, rowid, public_terms, internal_terms)
        VALUES ('delete', old.ticket_id, old.public_terms, old.internal_terms); END""",
    """CREATE TRIGGER tickets_search_au AFTER UPDATE ON tickets_ticketsearchdocument BEGIN
        INSERT INTO tickets_search_fts(tickets_search_fts, rowid, public_terms, internal_terms)
        VALUES ('delete', old.ticket_id, old.public_terms, old.internal_terms);
        INSERT INTO tickets_search_fts(rowid, public_terms, internal_terms)
        VALUES (new.ticket_id, new.public_terms, new.internal_terms); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tickets_search_au",
    "DROP TRIGGER IF EXISTS tickets_search_ad",
    "DROP TRIGGER IF EXISTS tickets_search_ai",
    "DROP TABLE IF EXISTS tickets_search_fts",
]
POSTGRES_FORWARD = [
    """CREATE INDEX IF NOT EXISTS ticket_search_public_gin ON tickets_ticketsearchdocument
        USING gin (to_tsvector('simple', public_terms))""",
    """CREATE INDEX IF NOT EXISTS ticket_search_all_gin ON tickets_ticketsearchdocument
        USING gin (to_tsvector('simple', public_terms || ' ' || internal_terms))""",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS ticket_search_public_gin",
    "DROP INDEX IF EXISTS ticket_search_all_gin",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_tickets_timeline_attachments")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
