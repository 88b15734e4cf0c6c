"""The ITIL default priority matrix, the default resolution codes and the desk settings row."""

from django.db import migrations

RESOLUTION_CODES = [
    ("solved", "Solved", "Resuelto"),
    ("workaround", "Workaround", "Solución temporal"),
    ("not_reproducible", "Not reproducible", "No reproducible"),
    ("duplicate", "Duplicate", "Duplicado"),
    ("withdrawn", "Withdrawn by requester", "Retirado por el solicitante"),
]


def forward(apps, schema_editor):
    PriorityRule = apps.get_model("tickets", "PriorityRule")
    ResolutionCode = apps.get_model("tickets", "ResolutionCode")
    DeskSettings = apps.get_model("tickets", "DeskSettings")
    for impact in (1, 2, 3):
        for urgency in (1, 2, 3):
            PriorityRule.objects.get_or_create(
                impact=impact, urgency=urgency, defaults={"priority": impact + urgency - 1}
            )
    for position, (code, en, es) in enumerate(RESOLUTION_CODES):
        ResolutionCode.objects.get_or_create(
            code=code, defaults={"name_en": en, "name_es": es, "position": position}
        )
    DeskSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_search_index")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
