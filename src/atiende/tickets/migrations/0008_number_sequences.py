"""PostgreSQL numbers tickets from one sequence per kind (see tickets/numbering.py), each
starting after the last number its counter row issued. Nothing to do on SQLite."""

from django.db import migrations

KINDS = ("incident", "request", "question", "problem", "change")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    counters = dict(apps.get_model("tickets", "TicketCounter").objects.values_list("kind", "last"))
    with schema_editor.connection.cursor() as cursor:
        for kind in KINDS:
            name = f"tickets_number_{kind}"
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} AS bigint MINVALUE 1")
            last = counters.get(kind, 0)
            cursor.execute("SELECT setval(%s, %s, %s)", [name, max(last, 1), last > 0])


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    TicketCounter = apps.get_model("tickets", "TicketCounter")
    with schema_editor.connection.cursor() as cursor:
        for kind in KINDS:
            name = f"tickets_number_{kind}"
            cursor.execute(
                f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {name}"  # noqa: S608
            )
            (last,) = cursor.fetchone()
            TicketCounter.objects.update_or_create(kind=kind, defaults={"last": last})
            cursor.execute(f"DROP SEQUENCE IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_channel_links_change_statuses")]
    operations = [migrations.RunPython(forward, backward)]
