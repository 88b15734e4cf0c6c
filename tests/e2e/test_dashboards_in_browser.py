"""The dashboard and the agent home in headless Chromium, in English and Spanish, on a phone
(390 px) and a desktop (1280 px): agents land on their home, the dashboard's panels render
without sideways scrolling, and a number leads to the tickets behind it. Screenshots go to
$ATIENDE_SCREENSHOTS when set (to look at them)."""

from __future__ import annotations

import os

import pytest

from atiende.tickets import actions

from ..factories import PASSWORD, CategoryFactory, make_ticket
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en-GB": {"home": "My work", "board": "Dashboard", "flow": "Incoming and resolved per day"},
    "es-ES": {"home": "Mi trabajo", "board": "Panel de control",
              "flow": "Entrantes y resueltos por día"},
}  # fmt: skip


@pytest.fixture
def desk(agent, manager, requester, desk_default_team):
    printers = CategoryFactory(name="Printers")
    made = []
    for i in range(6):
        ticket = make_ticket(requester, actor=agent, title=f"Printer {i} jams",
                             assignee_id=(agent if i % 2 else manager).pk,
                             category_id=printers.pk)  # fmt: skip
        made.append(ticket)
    for ticket in made[:2]:
        actions.ticket_transition(actor=agent, ticket_id=ticket.pk, to="resolved",
                                  resolution_code="solved", resolution_notes="Done.")  # fmt: skip
    return made


def _no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    clipped = page.evaluate(
        "Array.from(document.querySelectorAll('.table-wrap'))"
        ".filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1)"
        ".map(e => e.querySelector('caption') ? e.querySelector('caption').textContent : '?')"
    )
    assert clipped == [], page.url


@pytest.mark.parametrize("locale", ["en-GB", "es-ES"])
@pytest.mark.parametrize("width", [390, 1280])
def test_home_and_dashboard(new_page, desk, manager, locale, width):
    text = TEXT[locale]
    shots = os.environ.get("ATIENDE_SCREENSHOTS")
    page = new_page(width=width, height=900, locale=locale)
    sign_in(page, manager.username, PASSWORD)
    assert page.url.endswith("/desk/home/")  # the landing page
    assert page.locator("h1").inner_text() == text["home"]
    assert page.locator("#mine-h + .table-wrap tbody tr").count() == 2  # 3 assigned, 1 resolved
    if shots:
        page.screenshot(path=f"{shots}/home-{locale}-{width}.png", full_page=True)
    _no_sideways_scroll(page, width)

    page.goto("/desk/reports/dashboard/")
    assert page.locator("h1").inner_text() == text["board"]
    assert page.locator("svg.flow-chart").is_visible()
    assert text["flow"] in page.content()
    if shots:
        page.screenshot(path=f"{shots}/dashboard-{locale}-{width}.png", full_page=True)
        page.locator("#flow-h").locator("..").screenshot(path=f"{shots}/flow-{locale}-{width}.png")
    _no_sideways_scroll(page, width)

    # Drill down: the backlog's "less than a day" bar row leads to the four open tickets.
    page.locator("#backlog-h ~ .table-wrap tbody tr").first.locator("a").click()
    page.wait_for_load_state()
    assert "/desk/reports/tickets/" in page.url
    listed = page.content()
    assert sum(t.number in listed for t in desk) == 4
    assert desk[0].number not in listed  # resolved
    _no_sideways_scroll(page, width)


@pytest.mark.parametrize("width", [390, 1280])
def test_reports_page_saves_and_prints(new_page, desk, manager, width):
    shots = os.environ.get("ATIENDE_SCREENSHOTS")
    page = new_page(width=width, height=900, locale="es-ES")
    sign_in(page, manager.username, PASSWORD)
    page.goto("/desk/reports/?metric=created&dimension=agent")
    page.fill("#save_name", "Creados por agente")
    page.select_option("#save_frequency", "weekly")
    page.click("#save-title ~ form button[type=submit]")
    page.wait_for_load_state()
    assert "El informe se ha guardado." in page.content()
    assert page.locator(".saved-reports a", has_text="Creados por agente").is_visible()
    _no_sideways_scroll(page, width)
    if shots:
        page.screenshot(path=f"{shots}/reports-es-{width}.png", full_page=True)
    # Printed: the report only, without the bars, forms and buttons around it.
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert not page.locator("form.report-form").is_visible()
    assert page.locator("table.report-table").first.is_visible()
    if shots:
        page.screenshot(path=f"{shots}/reports-print-{width}.png", full_page=True)
