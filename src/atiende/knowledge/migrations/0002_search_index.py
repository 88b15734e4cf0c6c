"""Full-text index over the articles' search documents, per database.

SQLite: an external-content FTS5 table kept in step by triggers (as tickets' 0002).
PostgreSQL: a stored, weighted tsvector (title A, text B) with a GIN index (as tickets' 0005).
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE knowledge_search_fts USING fts5(
        title_terms, body_terms,
        content='knowledge_articlesearchdocument', content_rowid='article_id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER knowledge_search_ai AFTER INSERT ON knowledge_articlesearchdocument BEGIN
        INSERT INTO knowledge_search_fts(rowid, title_terms, body_terms)
        VALUES (new.article_id, new.title_terms, new.body_terms); END""",
    """CREATE TRIGGER knowledge_search_ad AFTER DELETE ON knowledge_articlesearchdocument BEGIN
        INSERT INTO knowledge_search_fts(knowledge_search_fts, rowid, title_terms, body_terms)
        VALUES ('delete', old.article_id, old.title_terms, old.body_terms); END""",
    """CREATE TRIGGER knowledge_search_au AFTER UPDATE ON knowledge_articlesearchdocument BEGIN
        INSERT INTO knowledge_search_fts(knowledge_search_fts, rowid, title_terms, body_terms)
        VALUES ('delete', old.article_id, old.title_terms, old.body_terms);
        INSERT INTO knowledge_search_fts(rowid, title_terms, body_terms)
        VALUES (new.article_id, new.title_terms, new.body_terms); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_search_au",
    "DROP TRIGGER IF EXISTS knowledge_search_ad",
    "DROP TRIGGER IF EXISTS knowledge_search_ai",
    "DROP TABLE IF EXISTS knowledge_search_fts",
]
POSTGRES_FORWARD = [
    """ALTER TABLE knowledge_articlesearchdocument ADD COLUMN search_tsv tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', title_terms), 'A')
            || setweight(to_tsvector('simple', body_terms), 'B')
        ) STORED""",
    """CREATE INDEX knowledge_search_tsv ON knowledge_articlesearchdocument
        USING gin (search_tsv)""",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_search_tsv",
    "ALTER TABLE knowledge_articlesearchdocument DROP COLUMN search_tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
