"""Demo data: two organisations, requesters, agents in two teams, a manager, an admin, a
category tree and a few dozen tickets in every status with replies and notes. Everything
goes through the domain actions, so the demo shows exactly what real use produces."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

from atiende.accounts.actions import user_create
from atiende.accounts.models import Role, Team, User
from atiende.tickets import actions
from atiende.tickets.models import Category, DeskSettings, Kind, Status, Ticket

PASSWORD = "atiende-demo"

PEOPLE: list[tuple[str, str, str, Role, str | None, str | None, dict[str, Any]]] = [
    # username, first, last, role, organisation, team, extra
    ("admin", "Ada", "Admin", Role.ADMIN, None, None, {}),
    ("manager", "Marta", "Gómez", Role.MANAGER, None, "Service Desk", {"sees_all_tickets": True}),
    ("agent", "Andrés", "Pérez", Role.AGENT, None, "Service Desk", {}),
    ("lucia", "Lucía", "Fernández", Role.AGENT, None, "Service Desk", {"language": "es"}),
    ("tom", "Tom", "Baker", Role.AGENT, None, "Infrastructure", {"language": "en"}),
    ("nuria", "Nuria", "Sanz", Role.AGENT, None, "Infrastructure", {}),
    ("ana", "Ana", "López", Role.REQUESTER, "Acme Logistics", None, {"language": "es"}),
    (
        "carlos",
        "Carlos",
        "Ruiz",
        Role.REQUESTER,
        "Acme Logistics",
        None,
        {"is_organization_manager": True},
    ),
    ("emma", "Emma", "Wilson", Role.REQUESTER, "Globex Retail", None, {"language": "en"}),
    ("jorge", "Jorge", "Martín", Role.REQUESTER, "Globex Retail", None, {}),
]

CATEGORIES = {
    "Hardware": ["Laptops", "Printers", "Phones"],
    "Software": ["E-mail", "Office suite", "ERP"],
    "Network": ["Wi-Fi", "VPN"],
    "Access": ["Accounts and passwords", "Permissions"],
}
# Spanish names (Category.name_es): requesters and agents reading in Spanish see these.
CATEGORY_NAMES_ES = {
    "Hardware": "Equipos",
    "Laptops": "Portátiles",
    "Printers": "Impresoras",
    "Phones": "Teléfonos",
    "Software": "Software",
    "E-mail": "Correo electrónico",
    "Office suite": "Ofimática",
    "ERP": "ERP",
    "Network": "Red",
    "Wi-Fi": "Wi-Fi",
    "VPN": "VPN",
    "Access": "Accesos",
    "Accounts and passwords": "Cuentas y contraseñas",
    "Permissions": "Permisos",
}
CATEGORY_TEAM = {
    "Hardware": "Service Desk",
    "Software": "Service Desk",
    "Network": "Infrastructure",
    "Access": "Service Desk",
}

TICKETS = [
    (
        Kind.INCIDENT,
        "La impresora de la planta 2 no imprime",
        "Desde esta mañana la impresora HP de la planta 2 muestra «atasco de papel» pero no hay papel atascado.",
        "Printers",
        2,
        2,
    ),
    (
        Kind.INCIDENT,
        "Outlook keeps asking for my password",
        "Since the update yesterday Outlook asks for my password every few minutes.",
        "E-mail",
        3,
        2,
    ),
    (
        Kind.INCIDENT,
        "Sin conexión a la VPN desde casa",
        "El cliente VPN da error 809 al conectar desde casa.",
        "VPN",
        2,
        1,
    ),
    (
        Kind.INCIDENT,
        "ERP very slow when posting invoices",
        "Posting an invoice takes more than a minute; the whole finance team is affected.",
        "ERP",
        1,
        1,
    ),
    (
        Kind.INCIDENT,
        "El portátil no arranca",
        "Pantalla negra al encender; el LED de carga parpadea en naranja.",
        "Laptops",
        3,
        1,
    ),
    (
        Kind.INCIDENT,
        "Wi-Fi drops in meeting room B",
        "The wireless connection drops every 10 minutes in meeting room B.",
        "Wi-Fi",
        2,
        3,
    ),
    (
        Kind.REQUEST,
        "Alta de usuario para nueva incorporación",
        "Necesitamos cuenta de correo y acceso al ERP para Laura Díaz, que empieza el lunes.",
        "Accounts and passwords",
        3,
        2,
    ),
    (
        Kind.REQUEST,
        "New laptop for the sales team",
        "Please order a laptop for our new sales representative.",
        "Laptops",
        3,
        3,
    ),
    (
        Kind.REQUEST,
        "Acceso a la carpeta compartida de Finanzas",
        "Solicito permiso de lectura en \\\\files\\finanzas.",
        "Permissions",
        3,
        2,
    ),
    (
        Kind.REQUEST,
        "Install the Office suite on a second PC",
        "I need Office on the reception PC as well.",
        "Office suite",
        3,
        3,
    ),
    (
        Kind.QUESTION,
        "¿Cómo configuro el correo en el móvil?",
        "Tengo un Android nuevo y no sé qué servidor poner.",
        "E-mail",
        3,
        3,
    ),
    (
        Kind.QUESTION,
        "How do I reset my password?",
        "I forgot my password and the reset link expired.",
        "Accounts and passwords",
        3,
        2,
    ),
    (
        Kind.QUESTION,
        "¿Puedo usar mi teléfono personal para el correo?",
        "Quería saber si está permitido.",
        "Phones",
        3,
        3,
    ),
    (
        Kind.INCIDENT,
        "Teléfono IP sin tono",
        "El teléfono de la extensión 2104 no da tono.",
        "Phones",
        3,
        2,
    ),
    (
        Kind.INCIDENT,
        "Shared drive shows access denied",
        "Since this morning I get access denied on the S: drive.",
        "Permissions",
        2,
        2,
    ),
    (
        Kind.INCIDENT,
        "Las impresoras de recepción imprimen en blanco",
        "Las hojas salen en blanco en las dos impresoras de recepción.",
        "Printers",
        2,
        3,
    ),
]

REPLIES_ES = [
    "Gracias por avisar, lo estamos revisando.",
    "¿Puede indicarnos desde cuándo ocurre?",
    "Ya está funcionando, muchas gracias.",
    "Adjunto una captura del error.",
]
REPLIES_EN = [
    "Thanks for reporting this, we are looking into it.",
    "Could you tell us since when this happens?",
    "It works now, thank you.",
    "I attach a screenshot of the error.",
]
NOTES = [
    "Parece relacionado con la actualización del martes.",
    "Escalated to the vendor, case 4471.",
    "Revisado el log del servidor: sin errores.",
    "Check with Infrastructure before closing.",
]


def database_is_empty() -> bool:
    return not Ticket.objects.exists() and not User.objects.filter(username="admin").exists()


def logins_text() -> str:
    lines = [f"Demo sign-ins (password for all: {PASSWORD}):"]
    for username, first, last, role, org, team, _extra in PEOPLE:
        where = org or team or ""
        lines.append(
            f"  {username:<8} {role.label:<14} {first} {last}{' — ' + where if where else ''}"
        )
    return "\n".join(lines)


@transaction.atomic
def load(seed: int = 7, tickets_per_template: int = 3) -> None:
    rng = random.Random(seed)
    users: dict[str, User] = {}
    for username, first, last, role, org, team, extra in PEOPLE:
        users[username] = user_create(
            username=username, email=f"{username}@example.com", password=PASSWORD, role=role,
            first_name=first, last_name=last, organization_name=org, team_name=team,
            check_password=False, **extra,
        )  # fmt: skip
    teams = {team.name: team for team in Team.objects.all()}
    desk = DeskSettings.load()
    desk.default_team = teams["Service Desk"]
    desk.save()
    categories: dict[str, Category] = {}
    for parent_name, children in CATEGORIES.items():
        parent = Category.objects.create(
            name=parent_name,
            name_es=CATEGORY_NAMES_ES[parent_name],
            team=teams[CATEGORY_TEAM[parent_name]],
        )
        for child in children:
            categories[child] = Category.objects.create(
                name=child, name_es=CATEGORY_NAMES_ES[child], parent=parent
            )
    requesters = [u for u in users.values() if u.role == Role.REQUESTER]
    agents_by_team = {
        name: [
            u
            for u in users.values()
            if u.is_agent and team.pk in u.teams.values_list("id", flat=True)
        ]
        for name, team in teams.items()
    }
    statuses = [
        Status.NEW,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PENDING,
        Status.RESOLVED,
        Status.CLOSED,
        Status.CANCELLED,
    ]
    count = 0
    for round_ in range(tickets_per_template):
        for kind, title, description, category, impact, urgency in TICKETS:
            requester = requesters[(count + round_) % len(requesters)]
            spanish = (
                requester.language == "es"
                or "¿" in title
                or title[:3] in ("La ", "El ", "Sin", "Alt", "Acc", "Tel", "Las")
            )
            ticket = actions.ticket_create(
                actor=requester, kind=kind, title=title,
                description=description, category_id=categories[category].pk,
                impact=impact if kind == Kind.INCIDENT else 3, urgency=urgency,
            )  # fmt: skip
            _play(ticket, requester, statuses[count % len(statuses)], agents_by_team, rng, spanish)
            count += 1
    # Each domain adds its own demo data, in dependency order.
    from atiende.catalogue import demo as catalogue_demo
    from atiende.changes import demo as changes_demo
    from atiende.cmdb import demo as cmdb_demo
    from atiende.knowledge import demo as knowledge_demo
    from atiende.mail import demo as mail_demo

    for domain_demo in (mail_demo, cmdb_demo, changes_demo, catalogue_demo, knowledge_demo):
        domain_demo.load(users)


def _play(
    ticket: Ticket, requester: User, target: str, agents_by_team, rng: random.Random, spanish: bool
) -> None:
    """Walk a new ticket through the workflow to `target`, with replies and notes."""
    replies = REPLIES_ES if spanish else REPLIES_EN
    team_agents = (
        agents_by_team.get(ticket.team.name if ticket.team else "", [])
        or agents_by_team["Service Desk"]
    )
    agent = rng.choice(team_agents)
    if target == Status.NEW:
        return
    if target == Status.CANCELLED:
        actions.ticket_transition(
            actor=agent, ticket_id=ticket.pk, to=Status.CANCELLED, comment=replies[0]
        )
        return
    actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"assignee": agent.pk}
    )
    if target == Status.ASSIGNED:
        return
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body=replies[1])
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body=rng.choice(NOTES), public=False)
    actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to=Status.IN_PROGRESS)
    actions.comment_add(actor=requester, ticket_id=ticket.pk, body=replies[3])
    if target == Status.IN_PROGRESS:
        return
    if target == Status.PENDING:
        actions.ticket_transition(
            actor=agent, ticket_id=ticket.pk, to=Status.PENDING, pending_reason="requester"
        )
        return
    actions.ticket_transition(
        actor=agent, ticket_id=ticket.pk, to=Status.RESOLVED, resolution_code="solved",
        resolution_notes="Resuelto, por favor confirme." if spanish else "Fixed, please confirm.",
    )  # fmt: skip
    if target == Status.CLOSED:
        # Confirming with a word (a bare reply would reopen it: docs/notifications.md).
        actions.ticket_transition(
            actor=requester, ticket_id=ticket.pk, to=Status.CLOSED, comment=replies[2]
        )
