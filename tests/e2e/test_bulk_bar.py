"""Ticking a ticket in the queue shows the bulk actions without moving the table (it moved
233 px down when the panel opened above it), and the panel offers only the statuses every
selected ticket may move to."""

from __future__ import annotations

import pytest

from atiende.tickets import actions

from ..changes.factories import make_change
from ..factories import PASSWORD, make_ticket
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_first_tick_does_not_move_the_table(new_page, agent, requester, team, width, tmp_path):
    for n in range(4):
        make_ticket(requester, actor=agent, team_id=team.pk, title=f"Printer {n} jams")
    actions.saved_view_create(actor=agent, name="Team incidents", query="view=open&kind=incident")
    page = new_page(width=width, height=800)
    sign_in(page, agent.username, PASSWORD)
    page.goto("/desk/?view=open")
    table = page.locator("table.queue-table")
    before = table.bounding_box()
    page.locator("input[name='ticket_ids']").first.check()
    bar = page.locator("[data-bulk]")
    bar.wait_for(state="visible")
    after = table.bounding_box()
    assert before is not None and after is not None
    assert abs(after["y"] - before["y"]) <= 1
    page.locator("[data-bulk] > summary").click()  # opening it overlays too
    assert page.locator("#bulk_status").is_visible()
    assert abs(table.bounding_box()["y"] - before["y"]) <= 1  # type: ignore[index]
    page.screenshot(path=str(tmp_path / f"bulk-{width}.png"), full_page=False)


def test_the_status_choices_fit_the_selected_kinds(new_page, agent, requester, team):
    make_ticket(requester, actor=agent, team_id=team.pk, title="Upgrade the printer")
    make_change(agent, team_id=team.pk, title="Upgrade the mail servers")
    page = new_page(width=1280, height=800)
    sign_in(page, agent.username, PASSWORD)
    page.goto("/desk/?q=upgrade")  # a search finds changes too
    boxes = page.locator("input[name='ticket_ids']")
    incident = page.locator("input[name='ticket_ids'][data-kind='incident']")
    change = page.locator("input[name='ticket_ids'][data-kind='change']")
    assert boxes.count() == 2
    incident.check()
    page.locator("[data-bulk] > summary").click()
    enabled = page.eval_on_selector_all(
        "#bulk_status option:not([disabled])", "els => els.map(e => e.value).filter(Boolean)"
    )
    assert set(enabled) == {"in_progress", "pending", "resolved", "cancelled"}  # no assignee
    change.check()
    assert (
        page.eval_on_selector_all(
            "#bulk_status option:not([disabled])", "els => els.map(e => e.value).filter(Boolean)"
        )
        == []
    )
    assert page.locator("[data-bulk-no-status]").is_visible()
