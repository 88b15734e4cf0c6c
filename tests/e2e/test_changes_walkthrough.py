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
