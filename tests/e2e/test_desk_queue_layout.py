"""The agent queue on common laptop and desktop screens (1280 to 1920 px): every column is on screen without
scrolling sideways, with the category under the title and the team under the assignee; and
what was typed in the header's search box stays readable on the results page."""

from __future__ import annotations

import pytest

from atiende.tickets.models import Category

from ..factories import PASSWORD, make_ticket
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("width", "locale"), [(1280, "en-GB"), (1366, "es-ES"), (1440, "es-ES"), (1920, "es-ES")]
)
def test_the_queue_fits_a_laptop_screen(new_page, agent, requester, team, width, locale):
    category = Category.objects.create(name="Impresoras de planta", team=team)
    for n in range(3):
        make_ticket(
            requester, actor=agent, team_id=team.pk, assignee_id=agent.pk,
            category_id=category.pk, title=f"La impresora {n} de la planta 2 no imprime en color",
        )  # fmt: skip
    page = new_page(width=width, height=900, locale=locale)
    sign_in(page, agent.username, PASSWORD)
    page.goto("/desk/?view=open")
    assert (page.locator("html").get_attribute("lang") or "").startswith(locale[:2])
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    first = page.locator("table.queue-table tbody tr").first
    assert "Impresoras de planta" in first.locator("td.title").inner_text()
    assert team.name in first.locator("td.c-assignee").inner_text()
    updated = first.locator("td.c-updated").bounding_box()
    assert updated is not None and updated["x"] + updated["width"] <= width


@pytest.mark.parametrize("width", [1024, 768])
def test_on_a_tablet_each_ticket_is_a_card(new_page, agent, requester, team, width):
    make_ticket(requester, actor=agent, team_id=team.pk, title="La impresora no imprime")
    page = new_page(width=width, height=900, locale="es-ES")
    sign_in(page, agent.username, PASSWORD)
    page.goto("/desk/?view=open")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not page.locator("table.queue-table thead").is_visible()
    row = page.locator("table.queue-table tbody tr").first
    title = row.locator("td.title").bounding_box()
    number = row.locator("td.num").bounding_box()
    assert title is not None and number is not None
    assert title["y"] > number["y"]  # the title on a line of its own under the number
    assert page.locator("#topsearch-q").bounding_box()["width"] > width / 2  # type: ignore[index]


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
