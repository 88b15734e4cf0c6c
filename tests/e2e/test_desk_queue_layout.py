"""The agent queue on a common laptop screen (1280 px): every column is on screen without
scrolling sideways, with the category under the title and the team under the assignee; and
what was typed in the header's search box stays readable on the results page."""

from __future__ import annotations

import pytest

from atiende.tickets.models import Category

from ..factories import PASSWORD, make_ticket
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_queue_fits_a_1280_px_screen(new_page, agent, requester, team):
    category = Category.objects.create(name="Impresoras de planta", team=team)
    for n in range(3):
        make_ticket(
            requester, actor=agent, team_id=team.pk, assignee_id=agent.pk,
            category_id=category.pk, title=f"La impresora {n} de la planta 2 no imprime en color",
        )  # fmt: skip
    page = new_page(width=1280, height=900)
    sign_in(page, agent.username, PASSWORD)
    page.goto("/desk/?view=open")
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    first = page.locator("table.queue-table tbody tr").first
    assert "Impresoras de planta" in first.locator("td.title").inner_text()
    assert team.name in first.locator("td.c-assignee").inner_text()
    updated = first.locator("td.c-updated").bounding_box()
    assert updated is not None and updated["x"] + updated["width"] <= 1280


def test_the_header_search_shows_what_was_typed(new_page, agent):
    page = new_page(width=1280, height=700)
    sign_in(page, agent.username, PASSWORD)
    page.goto("/desk/?q=impresion")
    box = page.locator("#topsearch-q")
    assert box.input_value() == "impresion"
    color, background = box.evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
    )
    assert color != background, (color, background)
