"""A requester reports from a phone, an agent works the ticket in the desk, the requester
confirms the fix: the whole lifecycle through the real UI in headless Chromium."""

from __future__ import annotations

import pytest

from atiende.tickets.models import Status, Ticket

from ..factories import PASSWORD
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_work_resolve_and_confirm(new_page, requester, agent, desk_default_team, tmp_path):
    # The requester, on a phone, reports a problem.
    phone = new_page(width=390, height=844)
    sign_in(phone, requester.username, PASSWORD)
    phone.goto("/portal/new/")
    phone.check("input[name=kind][value=incident]")
    phone.fill("input[name=title]", "La impresora no imprime")
    phone.fill("textarea[name=description]", "Sale una hoja en blanco <script>alert(1)</script>")
    phone.click("button[type=submit].primary")
    phone.wait_for_load_state()
    ticket = Ticket.objects.get(title="La impresora no imprime")
    assert ticket.number in phone.content()
    assert "<script>alert(1)</script>" not in phone.content()
    phone.screenshot(path=str(tmp_path / "portal-ticket.png"), full_page=True)

    # The agent finds it in the desk, adds a note, replies, takes it and resolves it.
    desk = new_page()
    sign_in(desk, agent.username, PASSWORD)
    desk.goto("/desk/?view=unassigned")
    desk.click(f"text={ticket.number}")
    desk.wait_for_load_state()
    desk.check("input[name=visibility][value=internal]")
    desk.fill("textarea[name=body]", "NOTA-SECRETA: revisar el fusor")
    desk.click("#reply button[type=submit]")
    desk.wait_for_load_state()
    desk.check("input[name=visibility][value=public]")
    desk.fill("textarea[name=body]", "Hemos cambiado el tóner.")
    desk.click("#reply button[type=submit]")
    desk.wait_for_load_state()
    desk.click("text=Assign to me")
    desk.wait_for_load_state()
    desk.click("text=Resolve…")
    desk.select_option("#status select[name=resolution_code]", "solved")
    desk.fill("#status textarea[name=resolution_notes]", "Tóner sustituido.")
    desk.click("text=Resolve ticket")
    desk.wait_for_load_state()
    desk.screenshot(path=str(tmp_path / "desk-ticket.png"), full_page=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.assignee == agent
    assert "NOTA-SECRETA" in desk.content()

    # Back on the phone: the reply is there, the internal note is not; the requester confirms.
    phone.reload()
    html = phone.content()
    assert "Hemos cambiado el tóner." in html
    assert "NOTA-SECRETA" not in html
    phone.click("text=Yes, it's fixed (close)")
    phone.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_portal_speaks_spanish_to_a_spanish_browser(new_page, requester):
    page = new_page(locale="es-ES")
    page.goto("/login/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Iniciar sesión" in page.content()
