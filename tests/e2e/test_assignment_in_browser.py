"""Automatic assignment in the browser: a manager sets a team's policy from Administration →
Assignment, and the next ticket of the team arrives assigned; the pages and the availability
card on /account/ fit a phone without sideways scrolling, in English and Spanish.

ATIENDE_SCREENSHOTS=<dir> keeps a screenshot of each page looked at (for review)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atiende.assignment.models import AgentSettings, Mode, TeamPolicy
from atiende.tickets.models import Status, Ticket

from ..factories import PASSWORD, AgentFactory, RequesterFactory, add_to_team, make_ticket
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("ATIENDE_SCREENSHOTS", "")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways ({width} px)"


def test_manager_sets_round_robin_and_the_next_ticket_is_assigned(new_page, manager, team, agent):
    page = new_page()
    sign_in(page, manager.username, PASSWORD)
    page.click("nav >> summary:has-text('Administration')")
    page.click("nav >> a:has-text('Assignment')")
    page.wait_for_load_state()
    assert page.url.endswith("/desk/assignment/")
    page.click(f"table >> a:has-text('{team.name}')")
    page.wait_for_load_state()
    page.select_option("#id_mode", Mode.ROUND_ROBIN)
    page.fill("#id_default_cap", "3")
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_load_state()
    assert "Assignment settings saved." in page.inner_text("body")
    policy = TeamPolicy.objects.get(team=team)
    assert (policy.mode, policy.default_cap, policy.version) == (Mode.ROUND_ROBIN, 3, 1)

    # A bad cap is refused on its field (by the browser first: min 1) and changes nothing.
    page.fill("#id_default_cap", "0")
    page.click("form.stacked-form button[type=submit]")
    assert page.eval_on_selector("#id_default_cap", "input => input.validity.rangeUnderflow")
    assert TeamPolicy.objects.get(team=team).default_cap == 3

    members = {agent.pk, manager.pk}
    ticket = make_ticket(RequesterFactory(), actor=AgentFactory(), team_id=team.pk)
    assert ticket.assignee_id in members
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED

    # Its timeline: created, then the one explanation (no "changed Assignee" after it).
    page.goto(f"/desk/tickets/{ticket.number}/")
    page.wait_for_load_state()
    _shot(page, "ticket-en-1280")
    entry = page.locator(".assignment-entry")
    assert entry.count() == 1
    assert "Round-robin chose" in entry.inner_text()
    assert "(0 open tickets, load 0)" in entry.inner_text()


@pytest.mark.parametrize("locale", ["en-GB", "es-ES"])
@pytest.mark.parametrize("width", [1280, 390])
def test_assignment_pages_and_availability_card(new_page, manager, team, agent, locale, width):
    lang = locale[:2]
    for user in (manager, agent):
        user.language = lang
        user.save(update_fields=["language"])
    TeamPolicy.objects.create(team=team, mode=Mode.LEAST_LOADED, use_skills=True, default_cap=8)
    away = add_to_team(AgentFactory(first_name="Lucía", last_name="Fernández Ortega"), team)
    AgentSettings.objects.create(user=away, available=False, cap=12)
    page = new_page(width=width, locale=locale)
    sign_in(page, manager.username, PASSWORD)
    for name, url in [
        ("teams", "/desk/assignment/"),
        ("team", f"/desk/assignment/teams/{team.pk}/"),
        ("agent", f"/desk/assignment/agents/{away.pk}/?team={team.pk}"),
        ("account", "/account/"),
    ]:
        page.goto(url)
        page.wait_for_load_state()
        _shot(page, f"{name}-{lang}-{width}")
        _fits(page)
    card = page.locator("#assignment-availability")
    assert card.is_visible()
    card.locator("input[name=available]").uncheck()
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert AgentSettings.objects.get(user=manager).available is False
