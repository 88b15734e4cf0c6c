"""A normal change through the real pages: an agent raises it with the affected server,
answers the risk questionnaire and sends it to authorisation; a change manager (another
agent) approves it from "My approvals"; the agent schedules the window and the change shows
on the month calendar and the CAB agenda. The agent, its requester, is never asked to
approve it even though they sit on the board."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps

from atiende.changes.models import Approval, Board, RiskQuestion
from atiende.cmdb import actions as cmdb_actions
from atiende.cmdb.models import ConfigurationItem
from atiende.core import clock
from atiende.tickets.models import Status, Ticket

from ..factories import PASSWORD, AgentFactory, add_to_team
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def change_setup(manager, agent, team):
    """The seeded questionnaire and boards (again after a flush), a change manager who is not
    the agent, and a service running on a server."""
    if not RiskQuestion.objects.exists() or not Board.objects.exists():
        importlib.import_module(
            "atiende.changes.migrations.0002_default_risk_questionnaire_and_policies"
        ).forward(django_apps, None)
    carmen = add_to_team(AgentFactory(username="carmen", first_name="Carmen"), team)
    managers = Board.objects.get(name__startswith="Change managers")
    managers.members.add(carmen, agent)  # the agent sits on the board too
    service = cmdb_actions.item_create(actor=manager, name="Payroll", ci_class="business_service")
    server = cmdb_actions.item_create(actor=manager, name="srv-pay-01", ci_class="server")
    cmdb_actions.relation_add(
        actor=manager, source_id=service.pk, type="runs_on", target_id=server.pk
    )
    return carmen


def _move_to(page, label: str) -> None:
    page.click(f"#status button:has-text('Move to “{label}”')")
    page.wait_for_load_state()


def test_normal_change_from_request_to_calendar(new_page, agent, team, change_setup):
    carmen = change_setup
    start = (clock.now() + timedelta(days=3)).replace(hour=22, minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=2)

    desk = new_page()
    sign_in(desk, agent.username, PASSWORD)
    desk.goto("/changes/")
    desk.click("text=New change")
    desk.wait_for_load_state()
    desk.select_option("#id_change_type", "normal")
    desk.fill("#id_title", "Upgrade the payroll server")
    desk.fill("#id_reason", "The OS goes out of support.")
    desk.fill("#id_implementation_plan", "1. Snapshot\n2. Upgrade\n3. Reboot")
    desk.fill("#id_backout_plan", "Restore the snapshot.")
    desk.fill("#id_planned_start", start.strftime("%Y-%m-%dT%H:%M"))
    desk.fill("#id_planned_end", end.strftime("%Y-%m-%dT%H:%M"))
    desk.select_option("#id_team", str(team.pk))
    desk.click("text=Raise the change")
    desk.wait_for_load_state()
    ticket = Ticket.objects.get(title="Upgrade the payroll server")
    assert desk.url.endswith(f"/changes/{ticket.number}/")
    assert f"Change {ticket.number} raised." in desk.content()

    # The affected server; the service it carries is listed as impacted.
    desk.fill("#id_item", "srv-pay-01")
    desk.click("#items button:has-text('Add')")
    desk.wait_for_load_state()
    items = desk.locator("#items")
    assert "srv-pay-01" in items.inner_text() and "Payroll" in items.inner_text()

    # Assessment, then the questionnaire (a medium risk: the change manager approves).
    _move_to(desk, "Assessment")
    desk.click("text=Assess the risk")
    desk.wait_for_load_state()
    questions = list(RiskQuestion.objects.filter(is_active=True).prefetch_related("choices"))
    desk.click("text=Save the assessment")  # nothing answered: field errors, nothing saved
    desk.wait_for_load_state()
    assert desk.locator(".risk-question.has-error").count() == len(questions)
    for index, question in enumerate(questions):
        choices = sorted(question.choices.all(), key=lambda c: c.weight)
        choice = choices[-1] if index < 2 else choices[0]
        desk.check(f"input[name=q{question.pk}][value='{choice.pk}']")
    desk.click("text=Save the assessment")
    desk.wait_for_load_state()
    assert "Risk assessed." in desk.content()
    assert "Medium" in desk.locator("#risk").inner_text()

    _move_to(desk, "Authorisation")
    assert "The change is now “Authorisation”." in desk.content()
    approvals = list(Approval.objects.filter(change__ticket=ticket))
    assert [a.approver for a in approvals] == [carmen]

    # The requester of the change is on the board but is not asked to decide.
    desk.goto("/changes/approvals/")
    assert ticket.number not in desk.content()
    assert "Nothing awaits your decision." in desk.content()
    desk.goto(f"/changes/{ticket.number}/")
    assert desk.locator(".decision-form").count() == 0
    # Posting a decision on Carmen's approval from the requester's session is refused (404).
    token = next(c["value"] for c in desk.context.cookies() if c["name"] == "csrftoken")
    forged = desk.request.post(
        f"/changes/approvals/{approvals[0].pk}/decide/",
        form={"decision": "approve", "csrfmiddlewaretoken": token},
    )
    assert forged.status == 404
    approvals[0].refresh_from_db()
    assert approvals[0].status == "pending"

    # Carmen approves from "My approvals".
    cab = new_page()
    sign_in(cab, carmen.username, PASSWORD)
    cab.goto("/changes/approvals/")
    item = cab.locator(".approval-item", has_text=ticket.number)
    assert item.is_visible()
    item.locator("textarea[name=comment]").fill("Go ahead; the backout is sound.")
    item.locator("button[value=approve]").click()
    cab.wait_for_load_state()
    assert f"You approved {ticket.number}." in cab.content()
    assert cab.url.endswith("/changes/approvals/")
    ticket.refresh_from_db()

    # Scheduled with its window.
    desk.reload()
    desk.click("#status summary:has-text('Move to “Scheduled”')")
    desk.click("#status details[open] button:has-text('Confirm')")
    desk.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status == Status.SCHEDULED

    # On the month calendar, the week and the CAB agenda.
    desk.goto(f"/changes/calendar/?view=month&date={start:%Y-%m-%d}")
    entry = desk.locator(f"a[href='/changes/{ticket.number}/']").first
    assert entry.is_visible()
    desk.goto(f"/changes/calendar/?view=week&date={start:%Y-%m-%d}")
    assert desk.locator(f"a[href='/changes/{ticket.number}/']").first.is_visible()
    desk.goto("/changes/cab/")
    agenda = desk.locator("main")
    assert ticket.number in agenda.inner_text()
    assert "Payroll" in agenda.inner_text()

    # The server's CMDB page lists the open change, linked to its change page.
    server = ConfigurationItem.objects.get(name="srv-pay-01")
    desk.goto(f"/cmdb/items/{server.pk}/")
    desk.click(f"section[aria-labelledby=tickets-title] >> text={ticket.number}")
    desk.wait_for_load_state()
    assert desk.url.endswith(f"/changes/{ticket.number}/")


def test_a_portal_requester_finds_no_change_pages(new_page, requester, change_setup):
    page = new_page()
    sign_in(page, requester.username, PASSWORD)
    for url in ("/changes/", "/changes/new/", "/changes/approvals/", "/changes/calendar/",
                "/changes/cab/"):  # fmt: skip
        response = page.goto(url)
        assert response is not None and response.status == 404, url


NO_OVERFLOW = "document.documentElement.scrollWidth <= innerWidth"


@pytest.fixture
def cab_week(manager, agent, team, change_setup):
    """A high-risk change awaiting the change managers and the CAB, with the server as its
    affected item, and two scheduled changes of different types on the next days."""
    from ..changes.calendar_support import make_change as scheduled
    from ..changes.factories import make_change, to_authorisation

    carmen = change_setup
    nuria = add_to_team(AgentFactory(username="nuria", first_name="Nuria"), team)
    Board.objects.get(name__startswith="Change advisory").members.add(carmen, nuria)
    start = (clock.now() + timedelta(days=3)).replace(hour=22, minute=0, second=0, microsecond=0)
    ticket = make_change(
        agent,
        title="Replace the core switches in the data centre",
        planned_start=start,
        planned_end=start + timedelta(hours=4),
        team_id=team.pk,
    )
    server = ConfigurationItem.objects.get(name="srv-pay-01")
    cmdb_actions.ticket_items_set(actor=agent, ticket_id=ticket.pk, add=[server.pk])
    to_authorisation(agent, ticket, "high")
    scheduled(agent, start=start, end=start + timedelta(hours=2), title="Rotate the TLS keys")
    scheduled(
        agent,
        start=start + timedelta(hours=12),
        end=start + timedelta(hours=13),
        title="Patch the VPN gateways",
        change_type="emergency",
    )
    return ticket, start


def test_cab_pages_fit_a_phone_in_spanish(new_page, agent, cab_week):
    ticket, start = cab_week
    agent.language = "es"
    agent.save()
    page = new_page(width=390, height=844, locale="es-ES")
    sign_in(page, agent.username, PASSWORD)
    for url in (f"/changes/{ticket.number}/", "/changes/cab/", "/changes/",
                "/changes/approvals/?all=1", f"/changes/calendar/?view=month&date={start:%Y-%m-%d}",
                f"/changes/calendar/?view=week&date={start:%Y-%m-%d}",
                f"/changes/calendar/?view=list&date={start:%Y-%m-%d}"):  # fmt: skip
        page.goto(url)
        assert page.evaluate(NO_OVERFLOW), url

    # The change page: the approvers stack, the boards and the timeline in Spanish.
    page.goto(f"/changes/{ticket.number}/")
    row = page.locator(".approvers-table tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
    board = row.locator("td[data-label]").first
    assert "Comité" in board.evaluate("td => getComputedStyle(td, '::before').content")
    table = page.locator(".approvers-table").inner_text()
    assert "Gestores de cambios" in table and "Comité asesor de cambios (CAB)" in table
    assert page.locator("#approvals strong", has_text="Gestores de cambios").is_visible()
    assert "A toda la organización o a sus clientes" in page.locator(".timeline").inner_text()
    assert page.locator(".ticket-meta").get_by_text("Riesgo alto").is_visible()

    # The CAB agenda: each change is a stacked block whose cells say their column.
    page.goto("/changes/cab/")
    row = page.locator(".cab-table tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
    window = row.locator("td[data-label]").first
    assert "Ventana" in window.evaluate("td => getComputedStyle(td, '::before').content")
    assert "Gestores de cambios" in row.inner_text()

    # The month: the grid gives way to a list of the days with changes.
    page.goto(f"/changes/calendar/?view=month&date={start:%Y-%m-%d}")
    assert not page.locator(".cal-month").is_visible()
    day = page.locator(".cal-agenda-day", has_text=ticket.number).first
    assert day.is_visible()
    assert "Replace the core switches in the data centre" in day.inner_text()


def test_calendar_and_change_page_read_well_on_a_desktop(new_page, agent, cab_week):
    ticket, start = cab_week
    page = new_page(width=1280, height=900)
    sign_in(page, agent.username, PASSWORD)

    # The change page: no empty band above the card headings; items link to the CMDB.
    page.goto(f"/changes/{ticket.number}/")
    assert page.evaluate(NO_OVERFLOW)
    for card in ("#plans", "#risk", "#approvals", "#status", "#items"):
        gap = page.locator(card).evaluate(
            "el => el.querySelector('h2').getBoundingClientRect().top"
            " - el.getBoundingClientRect().top - parseFloat(getComputedStyle(el).paddingTop)"
        )
        assert gap <= 2, card
    page.locator("#items a", has_text="srv-pay-01").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("srv-pay-01")

    # The month cell shows the number and the start of the title on its own line.
    page.goto(f"/changes/calendar/?view=month&date={start:%Y-%m-%d}")
    entry = page.locator(f".cal-month a[href='/changes/{ticket.number}/']").first
    title = entry.locator(".cal-title")
    assert title.is_visible() and title.evaluate("el => el.clientWidth") > 120
    assert "Replace the core switches" in entry.get_attribute("title")

    # The week: the end time stays inside its chip.
    page.goto(f"/changes/calendar/?view=week&date={start:%Y-%m-%d}")
    chip = page.locator(f".cal-week a[href='/changes/{ticket.number}/']").first
    until = chip.locator(".cal-until")
    assert until.is_visible()
    outer, inner = chip.bounding_box(), until.bounding_box()
    assert outer is not None and inner is not None
    assert (
        inner["x"] >= outer["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
    )
    assert (
        inner["y"] >= outer["y"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1
    )

    # The list: times, titles and badges in the same columns on every row and every day.
    page.goto(f"/changes/calendar/?view=list&date={start:%Y-%m-%d}")
    rows = page.locator(".cal-list-item")
    assert rows.count() == 3
    columns = rows.evaluate_all(
        "rows => rows.map(r => [r.querySelector('.cal-list-title'), r.querySelector('.badge')]"
        ".map(el => Math.round(el.getBoundingClientRect().left)))"
    )
    assert len({tuple(c) for c in columns}) == 1, columns
