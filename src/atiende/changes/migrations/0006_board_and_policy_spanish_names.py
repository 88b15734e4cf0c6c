"""Approval boards and policies get a Spanish name beside the English one (like the risk
questionnaire), and the default boards and policies of 0002 get theirs. A board or policy an
administrator renamed keeps an empty Spanish name and shows its own name to everyone."""

from django.db import migrations, models

BOARDS = {
    "Change managers": "Gestores de cambios",
    "Change advisory board (CAB)": "Comité asesor de cambios (CAB)",
    "Emergency board (ECAB)": "Comité de emergencia (ECAB)",
}

POLICIES = {
    "Medium risk: change manager": "Riesgo medio: gestor de cambios",
    "High risk: change manager": "Riesgo alto: gestor de cambios",
    "High risk: two CAB members": "Riesgo alto: dos miembros del CAB",
    "Emergency: emergency board": "Emergencia: comité de emergencia",
}


def forward(apps, schema_editor):
    Board = apps.get_model("changes", "Board")
    ApprovalPolicy = apps.get_model("changes", "ApprovalPolicy")
    for name, name_es in BOARDS.items():
        Board.objects.filter(name=name, name_es="").update(name_es=name_es)
    for name, name_es in POLICIES.items():
        ApprovalPolicy.objects.filter(name=name, name_es="").update(name_es=name_es)


class Migration(migrations.Migration):
    dependencies = [("changes", "0005_calendar_schedule_bound")]

    operations = [
        migrations.AddField(
            model_name="approvalpolicy",
            name="name_es",
            field=models.CharField(
                blank=True,
                help_text="Shown to Spanish readers; leave empty to show the name.",
                max_length=120,
                verbose_name="name (Spanish)",
            ),
        ),
        migrations.AddField(
            model_name="board",
            name="name_es",
            field=models.CharField(
                blank=True,
                help_text="Shown to Spanish readers; leave empty to show the name.",
                max_length=120,
                verbose_name="name (Spanish)",
            ),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
