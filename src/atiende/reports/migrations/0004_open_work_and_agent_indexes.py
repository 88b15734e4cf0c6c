"""Two indexes on the ticket facts: (assignee, team, ticket), where an agent's facts outside
their teams start, index-only (reports.daily.outside_teams); and the partial index of the
open facts (a few percent of them) that the dashboard's backlog and workload panels read
index-only (reports.daily.open_facts).

The assignee's own index is dropped (led by the new one) without SQLite's table rebuild that
an AlterField would cause: the state changes, the database drops the index by name. Then
the facts' statistics are refreshed (ANALYZE), so the planner knows the new indexes at once
(SQLite keeps none for an index created after its table's last ANALYZE)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def analyze(apps, schema_editor):
    schema_editor.execute("ANALYZE reports_ticketfact")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_user_manager"),
        ("reports", "0003_daily_facts"),
        ("tickets", "0017_pending_reason_approval"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ticketfact",
                    name="assignee",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS reports_ticketfact_assignee_id_2a5b866c",
                    reverse_sql=(
                        "CREATE INDEX reports_ticketfact_assignee_id_2a5b866c "
                        "ON reports_ticketfact (assignee_id)"
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="ticketfact",
            index=models.Index(fields=["assignee", "team", "ticket"], name="fact_assignee_team"),
        ),
        migrations.AddIndex(
            model_name="ticketfact",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        (
                            "new",
                            "assigned",
                            "in_progress",
                            "pending",
                            "assessment",
                            "authorisation",
                            "scheduled",
                            "implementing",
                            "review",
                        ),
                    )
                ),
                fields=["status", "team", "assignee", "priority", "resolution_sla", "created_at"],
                name="fact_open_work",
            ),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop, elidable=True),
    ]
