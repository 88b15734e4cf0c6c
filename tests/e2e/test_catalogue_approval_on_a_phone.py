"""A laptop requested on a phone, in Spanish, through a form with a condition, then followed
through its approval and tasks: the requester's manager (not an agent) approves from the
portal's "My approvals" on their own phone; the desk works the tasks; the requester's
progress card shows each step, never the desk's notes, and the request ends resolved."""

from __future__ import annotations

import pytest

from atiende.catalogue import actions
from atiende.catalogue.models import ApproverSource, FulfilmentTask, StepMode
from atiende.tickets.models import Status, Ticket

from ..catalogue.conftest import laptop  # noqa: F401  (the "New laptop" item and its form)
from ..factories import PASSWORD, RequesterFactory
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844, "locale": "es-ES"}


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_request_approve_and_follow_a_laptop_on_a_phone(
    new_page,
    laptop,  # noqa: F811
    manager,
    requester,
    agent,
    team,
):
    boss = RequesterFactory(organization=requester.organization, language="es")
    requester.language = "es"
    requester.manager = boss
    requester.save()
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    for title, title_es, mode in (
        ("Order the laptop", "Pedir el portátil", StepMode.SEQUENCE),
        ("Install", "Instalar", StepMode.SEQUENCE),
        ("Create accounts", "Crear cuentas", StepMode.PARALLEL),
    ):
        actions.task_template_save(
            actor=manager, item_id=laptop.pk, title=title, title_es=title_es,
            team_id=team.pk, mode=mode, target_minutes=240,
        )  # fmt: skip

    # The requester asks for a Linux laptop: the conditional question appears.
    page = new_page(**PHONE)
    sign_in(page, requester.username, PASSWORD)
    page.goto(f"/portal/catalogue/items/{laptop.pk}/")
    page.select_option("#id_f_os", "linux")
    page.fill("#id_f_distro", "Debian")
    _fits(page)
    page.click("form.catalogue-form button[type=submit]")
    page.wait_for_load_state()
    assert "/portal/tickets/REQ-" in page.url, page.content()
    card = page.locator("#request-progress")
    text = card.inner_text()
    assert "Pendiente de aprobación" in text
    assert "El responsable del solicitante" in text
    assert "Pedir el portátil" in text and "En espera" in text
    _fits(page)
    number = page.url.rstrip("/").split("/")[-1]

    # The manager approves on their phone, from the portal's "My approvals".
    boss_page = new_page(**PHONE)
    sign_in(boss_page, boss.username, PASSWORD)
    boss_page.goto("/portal/catalogue/approvals/")
    item = boss_page.locator(".approval-item")
    assert number in item.inner_text() and "Debian" in item.inner_text()
    _fits(boss_page)
    boss_page.click(".approval-item button[value=approve]")
    boss_page.wait_for_load_state()
    assert "Ha aprobado la solicitud." in boss_page.content()

    # The desk works the first task; the requester sees it done, the next two open together.
    ticket = Ticket.objects.get(number=number)
    first, second, third = FulfilmentTask.objects.filter(ticket=ticket).order_by("position")
    actions.task_complete(actor=agent, task_id=first.pk, note="Pedido interno 4711")
    page.reload()
    text = page.locator("#request-progress").inner_text()
    assert "Aprobada" in text
    assert "1 de 3 tareas hechas" in text
    assert "Pedido interno 4711" not in page.content()
    assert page.locator("#request-progress li.task-open").count() == 2

    actions.task_complete(actor=agent, task_id=second.pk)
    actions.task_complete(actor=agent, task_id=third.pk)
    page.reload()
    assert "3 de 3 tareas hechas" in page.locator("#request-progress").inner_text()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    _fits(page)
