"""Finding an answer and stopping, on a phone in Spanish: the requester starts a ticket,
articles are suggested while they type (htmx, no page load), they open one, say it solved
their problem, and no ticket is sent; the deflection is counted."""

from __future__ import annotations

import os

import pytest

from atiende.knowledge import actions
from atiende.knowledge.models import Audience, DeflectionEvent, Status
from atiende.tickets.models import Ticket

from ..factories import PASSWORD
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844, "locale": "es-ES"}


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_find_an_answer_and_stop_on_a_phone(new_page, agent, manager, requester):
    requester.language = "es"
    requester.save()
    answer = actions.article_create(
        actor=agent,
        title="La impresora no imprime: vacíe la cola",
        body="Si la **impresora** no imprime, abra la cola de impresión y cancele los trabajos.",
        language="es",
        audience=Audience.REQUESTERS,
    )
    actions.article_transition(actor=manager, article_id=answer.pk, to=Status.PUBLISHED)
    internal = actions.article_create(
        actor=agent,
        title="Impresoras: notas internas del equipo",
        body="La impresora del tercer piso tiene la contraseña de administración en el cajón.",
        language="es",
        audience=Audience.AGENTS,
    )
    actions.article_transition(actor=manager, article_id=internal.pk, to=Status.PUBLISHED)

    page = new_page(**PHONE)
    sign_in(page, requester.username, PASSWORD)
    page.goto("/portal/new/")
    assert page.locator("html").get_attribute("lang") == "es"
    # Typing, as a person does: the suggestions come while the page stays where it is.
    page.locator("#id_title").press_sequentially("Mi impresora no imprime", delay=20)
    card = page.locator("#kb-suggestions .kb-suggest-card")
    card.wait_for(state="visible", timeout=10_000)
    assert "Estos artículos pueden responder a su consulta" in card.inner_text()
    assert answer.title in card.inner_text()
    assert internal.title not in page.content()
    assert page.url.endswith("/portal/new/")  # no navigation while typing
    _fits(page)
    if os.environ.get("ATIENDE_SCREENSHOTS"):
        card.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(os.environ["ATIENDE_SCREENSHOTS"], "suggest-es-390.png"))

    # The article opens beside the form; it answers the question.
    with page.expect_popup() as opened:
        card.get_by_role("link", name=answer.title).click()
    article = opened.value
    article.wait_for_load_state()
    assert "cancele los trabajos" in article.content()
    _fits(article)
    if os.environ.get("ATIENDE_SCREENSHOTS"):
        path = os.path.join(os.environ["ATIENDE_SCREENSHOTS"], "article-es-390.png")
        article.screenshot(path=path, full_page=True)
    article.get_by_role("button", name="Esto lo resolvió").click()
    article.wait_for_load_state()
    assert "No se envió ningún ticket" in article.content()

    assert not Ticket.objects.exists()
    deflection = DeflectionEvent.objects.get()
    assert deflection.article_id == answer.pk and deflection.user_id == requester.pk
