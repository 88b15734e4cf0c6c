"""Macros in the browser: an agent applies a macro from the ticket page with the keyboard
only, and the macro, tag and rule pages render at 1280 px in English and Spanish
(screenshots under $ATIENDE_SCREENSHOTS when set, else the test's tmp dir)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atiende.accounts.models import TeamMembership
from atiende.automation import actions
from atiende.tickets.models import EventType, Status, Ticket

from ..factories import PASSWORD, make_ticket
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shots(tmp_path) -> Path:
    where = Path(os.environ.get("ATIENDE_SCREENSHOTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def _macro(actor, **extra):
    data = {
        "name": "Take it and ask for details",
        "scope": "personal",
        "actions": [
            {"type": "set_field", "field": "assignee", "value": str(actor.pk)},
            {"type": "reply", "text": "Hello {{requester.first_name}}, which printer is it?"},
            {"type": "set_status", "value": "pending", "field": "requester"},
            {"type": "add_tag", "value": "printers"},
        ],
    }
    data.update(extra)
    return actions.macro_create(actor=actor, data=data)


def test_apply_a_macro_with_the_keyboard(new_page, agent, requester, team, tmp_path):
    ticket = make_ticket(requester, actor=agent, team_id=team.pk)
    _macro(agent)
    page = new_page(width=1280, height=900)
    sign_in(page, agent.username, PASSWORD)
    page.goto(f"/desk/tickets/{ticket.number}/")
    page.screenshot(path=str(_shots(tmp_path) / "ticket-macros-en.png"), full_page=True)
    page.focus("#macro-pick")
    page.keyboard.press("ArrowDown")  # the first macro
    page.keyboard.press("Tab")  # to "Apply macro"
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "applied" in page.locator(".messages").inner_text()
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.status, after.assignee_id) == (Status.PENDING, agent.pk)
    assert after.events.get(type=EventType.COMMENT).actor_id == agent.pk
    assert page.locator("#tags").get_by_text("printers").is_visible()
    page.screenshot(path=str(_shots(tmp_path) / "ticket-after-macro-en.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "es"])
def test_pages_look_right(new_page, agent, manager, requester, team, language, tmp_path):
    for user in (agent, manager):
        user.language = language
        user.save()
    TeamMembership.objects.filter(user=manager, team=team).update(is_lead=True)
    ticket = make_ticket(requester, actor=agent, team_id=team.pk)
    actions.tag_add(actor=agent, ticket_id=ticket.pk, name="vip")
    _macro(agent)
    _macro(manager, name="Close as duplicate", scope="global",
           actions=[{"type": "add_note", "text": "Duplicate."}])  # fmt: skip
    actions.rule_create(
        actor=manager,
        data={
            "name": "Printers to the desk",
            "trigger": "created",
            "conditions": [{"field": "title", "op": "contains", "values": ["printer"]}],
            "actions": [{"type": "set_field", "field": "team", "value": str(team.pk)}],
        },
    )
    shots = _shots(tmp_path)
    page = new_page(width=1280, height=900)
    sign_in(page, manager.username, PASSWORD)
    for name, path in (
        ("ticket", f"/desk/tickets/{ticket.number}/"),
        ("macros", "/desk/automation/macros/"),
        ("macro-new", "/desk/automation/macros/new/"),
        ("rules", "/desk/automation/"),
        ("rule-new", "/desk/automation/new/"),
        ("queue", "/desk/?view=open"),
    ):
        page.goto(path)
        assert page.locator("main").is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, (name, width)  # no sideways scroll
        page.screenshot(path=str(shots / f"{name}-{language}.png"), full_page=True)
    if language == "es":
        page.goto(f"/desk/tickets/{ticket.number}/")
        assert "Aplicar macro" in page.locator("#macros").inner_text()
