"""Demo data of the service catalogue: a few items in two categories, tied to the CMDB's
business services, and "New laptop" with a form whose "Which Linux?" shows only when the
operating system is Linux; and one request of it. Created through the actions, like every
other demo record (after the CMDB's demo data: the items name its services)."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from atiende.accounts.models import Team, User
from atiende.cmdb.models import ConfigurationItem
from atiende.tickets.models import Category

from . import actions
from .models import ApproverSource, FieldType, StepMode

# key, type, label, label_es, required, options, condition (key, values), help, help_es
# fmt: off
LAPTOP_FIELDS: list[tuple[str, str, str, str, bool, str, tuple[str, list[str]] | None, str, str]] = [
    ("os", FieldType.CHOICE, "Operating system", "Sistema operativo", True,
     "windows | Windows 11 | Windows 11\nmac | macOS | macOS\nlinux | Linux | Linux", None,
     "", ""),
    ("distro", FieldType.TEXT, "Which Linux distribution?", "¿Qué distribución de Linux?", True,
     "", ("os", ["linux"]), "e.g. Debian 13, Ubuntu 24.04", "p. ej. Debian 13, Ubuntu 24.04"),
    ("for_whom", FieldType.PERSON, "For whom (if not for you)", "Para quién (si no es para usted)",
     False, "", None, "", ""),
    ("needed_by", FieldType.DATE, "Needed by", "Para cuándo lo necesita", False, "", None, "", ""),
    ("travels", FieldType.YES_NO, "Do you travel often?", "¿Viaja a menudo?", True, "", None,
     "Travellers get a lighter model and a 4G modem.",
     "Quien viaja recibe un modelo más ligero y un módem 4G."),
    ("extras", FieldType.MULTI_CHOICE, "Accessories", "Accesorios", False,
     "dock | Docking station | Base de conexión\nheadset | Headset | Auriculares\n"
     "screen | Second screen | Segunda pantalla", None, "", ""),
    ("reason", FieldType.LONG_TEXT, "Why do you need it?", "¿Para qué lo necesita?", True, "",
     None, "", ""),
    ("quote", FieldType.ATTACHMENT, "Approved quote (optional)", "Presupuesto aprobado (opcional)",
     False, "", None, "", ""),
]
# name, name_es, category, service, delivery days, description, description_es
OTHER_ITEMS = [
    ("VPN access", "Acceso a la VPN", "Access", "Remote access (VPN)", 1,
     "Work from home or on the road.", "Trabaje desde casa o de viaje."),
    ("ERP account", "Cuenta en el ERP", "Access", "ERP", 2,
     "Finance, purchasing and logistics.", "Finanzas, compras y logística."),
    ("Shared folder", "Carpeta compartida", "Access", "File shares", 2,
     "A folder your team shares.", "Una carpeta que comparte su equipo."),
]
# fmt: on


def load(users: dict[str, User]) -> None:
    manager = users.get("manager") or next(u for u in users.values() if u.is_manager)
    services = dict(ConfigurationItem.objects.values_list("name", "id"))
    categories = {
        "Hardware": actions.category_save(actor=manager, name="Hardware", name_es="Equipos"),
        "Access": actions.category_save(
            actor=manager, name="Access", name_es="Accesos", position=1
        ),
    }
    laptops = Category.objects.filter(name="Laptops").values_list("id", flat=True).first()
    laptop = actions.item_save(
        actor=manager,
        category_id=categories["Hardware"].pk,
        name="New laptop",
        name_es="Portátil nuevo",
        description="A laptop for you or a colleague, set up and ready to work.",
        description_es="Un portátil para usted o un compañero, configurado y listo.",
        ticket_category_id=laptops,
        delivery_days=5,
    )
    keys: dict[str, int] = {}
    for (
        key,
        type_,
        label,
        label_es,
        required,
        options,
        condition,
        help_en,
        help_es,
    ) in LAPTOP_FIELDS:
        extra: dict[str, Any] = {}
        if condition is not None:
            extra = {"condition_field_id": keys[condition[0]], "condition_values": condition[1]}
        keys[key] = actions.field_save(
            actor=manager, item_id=laptop.pk, key=key, type=type_, label=label,
            label_es=label_es, required=required, choices=options, help_text=help_en,
            help_text_es=help_es, **extra,
        ).pk  # fmt: skip
    for position, (name, name_es, category, service, days, text, text_es) in enumerate(OTHER_ITEMS):
        actions.item_save(
            actor=manager, category_id=categories[category].pk, name=name, name_es=name_es,
            description=text, description_es=text_es, service_id=services.get(service),
            delivery_days=days, position=position,
        )  # fmt: skip
    requester = users.get("ana") or next(u for u in users.values() if not u.is_agent)
    # A laptop needs the requester's manager's approval, then is ordered and set up (the
    # set-up and the accounts together). The demo's requester reports to the manager.
    User.objects.filter(pk=requester.pk).update(manager=manager)
    requester.manager = manager
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    team = Team.objects.order_by("id").first()
    if team is not None:
        for title, title_es, mode, minutes in (
            ("Order the laptop", "Pedir el portátil", StepMode.SEQUENCE, 480),
            ("Install and set up", "Instalar y configurar", StepMode.SEQUENCE, 240),
            ("Create the accounts", "Crear las cuentas", StepMode.PARALLEL, 120),
        ):
            actions.task_template_save(
                actor=manager, item_id=laptop.pk, title=title, title_es=title_es,
                team_id=team.pk, mode=mode, target_minutes=minutes,
            )  # fmt: skip
    with translation.override(requester.language or "en"):
        actions.request_submit(
            actor=requester,
            item_id=laptop.pk,
            answers={
                "os": "linux",
                "distro": "Debian 13",
                "travels": "yes",
                "extras": ["dock", "headset"],
                "reason": "Mi portátil tiene seis años y ya no arranca el ERP.",
            },
        )
