"""The calendar's scan bound (ScheduleBound) is derived data: a row grown past anything the
calendar can subtract (a far-future window saved before windows were bounded) is dropped, and
changes.conflicts.longest_window computes it again from the changes on its next read."""

from django.db import migrations

MAX_WINDOW_SECONDS = 366 * 24 * 3600  # changes.conflicts.MAX_WINDOW when this was written


def drop_oversized_bound(apps, schema_editor):
    bound = apps.get_model("changes", "ScheduleBound")
    bound.objects.filter(longest_seconds__gt=MAX_WINDOW_SECONDS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("changes", "0008_footprint_graph_version"),
    ]

    operations = [
        migrations.RunPython(drop_oversized_bound, migrations.RunPython.noop, elidable=True),
    ]
