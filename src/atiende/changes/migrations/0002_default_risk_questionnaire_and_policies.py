"""The default risk questionnaire (English and Spanish), the risk thresholds, and the three
approval boards with the default policies (members are added by an administrator)."""

from django.db import migrations

QUESTIONS = [
    (
        "How many people would be affected if the change went wrong?",
        "¿A cuántas personas afectaría si el cambio saliera mal?",
        [
            ("A few people", "A unas pocas personas", 0),
            ("One team or site", "A un equipo o una sede", 1),
            ("A whole department", "A todo un departamento", 2),
            ("The whole organisation or its customers", "A toda la organización o a sus clientes", 3),
        ],
    ),
    (
        "How critical is the affected service to the business?",
        "¿Qué importancia tiene el servicio afectado para el negocio?",
        [
            ("Not critical", "No es crítico", 0),
            ("Important", "Importante", 2),
            ("Business-critical", "Crítico para el negocio", 3),
        ],
    ),
    (
        "Has this change been carried out successfully before?",
        "¿Se ha realizado este cambio con éxito anteriormente?",
        [
            ("Yes, many times", "Sí, muchas veces", 0),
            ("Once or twice", "Una o dos veces", 1),
            ("Never", "Nunca", 3),
        ],
    ),
    (
        "Has the change been tested outside production?",
        "¿Se ha probado el cambio fuera de producción?",
        [
            ("Fully tested", "Probado por completo", 0),
            ("Partly tested", "Probado en parte", 1),
            ("Not tested", "Sin probar", 3),
        ],
    ),
    (
        "How long would it take to back the change out?",
        "¿Cuánto tiempo llevaría revertir el cambio?",
        [
            ("Under 15 minutes", "Menos de 15 minutos", 0),
            ("Under an hour", "Menos de una hora", 1),
            ("Several hours", "Varias horas", 2),
            ("It cannot be backed out", "No se puede revertir", 3),
        ],
    ),
    (
        "Will the service be unavailable while the change is implemented?",
        "¿Estará el servicio sin disponibilidad mientras se implementa el cambio?",
        [
            ("No", "No", 0),
            ("Yes, inside a maintenance window", "Sí, dentro de una ventana de mantenimiento", 1),
            ("Yes, during business hours", "Sí, en horario laboral", 3),
        ],
    ),
]

BOARDS = {
    "managers": ("Change managers", "Approve medium and high risk normal changes."),
    "cab": ("Change advisory board (CAB)", "Approves high risk normal changes."),
    "ecab": ("Emergency board (ECAB)", "Approves emergency changes."),
}

# (name, change type, risk or "" for any, board, approvals required)
POLICIES = [
    ("Medium risk: change manager", "normal", "medium", "managers", 1),
    ("High risk: change manager", "normal", "high", "managers", 1),
    ("High risk: two CAB members", "normal", "high", "cab", 2),
    ("Emergency: emergency board", "emergency", "", "ecab", 1),
]


def forward(apps, schema_editor):
    RiskQuestion = apps.get_model("changes", "RiskQuestion")
    RiskChoice = apps.get_model("changes", "RiskChoice")
    RiskSettings = apps.get_model("changes", "RiskSettings")
    Board = apps.get_model("changes", "Board")
    ApprovalPolicy = apps.get_model("changes", "ApprovalPolicy")
    RiskSettings.objects.get_or_create(pk=1)
    if not RiskQuestion.objects.exists():
        for position, (en, es, choices) in enumerate(QUESTIONS):
            question = RiskQuestion.objects.create(text_en=en, text_es=es, position=position)
            for choice_position, (c_en, c_es, weight) in enumerate(choices):
                RiskChoice.objects.create(
                    question=question,
                    text_en=c_en,
                    text_es=c_es,
                    weight=weight,
                    position=choice_position,
                )
    boards = {}
    for key, (name, description) in BOARDS.items():
        boards[key], _created = Board.objects.get_or_create(
            name=name, defaults={"description": description}
        )
    if not ApprovalPolicy.objects.exists():
        for name, change_type, risk, board, required in POLICIES:
            ApprovalPolicy.objects.create(
                name=name,
                change_type=change_type,
                risk_level=risk,
                board=boards[board],
                required=required,
            )


class Migration(migrations.Migration):
    dependencies = [("changes", "0001_change_details_risk_approvals")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
