"""An index on tickets for the emerging-trend scan (improvement/trends.py): incidents
created in the last 35 days, with their category, read from the index alone.

Without it the scan walked `ticket_kind_recent` and looked up every incident's row: 5.2 s
of the 7.7 s scan at 1,000,000 tickets on SQLite (docs/improvement.md, "Speed"). It lives
here, not in tickets' Meta, because only this app reads tickets by creation time today;
move it into `Ticket.Meta.indexes` when another domain (reports) needs the same order."""

from django.db import migrations

INDEX = "improvement_ticket_kind_created"


class Migration(migrations.Migration):
    dependencies = [
        ("improvement", "0001_trends_and_register"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                f"CREATE INDEX IF NOT EXISTS {INDEX} "
                "ON tickets_ticket (kind, created_at, category_id)"
            ),
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
