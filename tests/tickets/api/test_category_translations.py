"""Category names in the reader's language: a Spanish name per category (blank: the English
one), shown in the portal, the desk, the API's `category` and the acknowledgement e-mail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.mail.models import OutboundKind, OutboundMessage
from atiende.mail.outbound.delivery import prepare
from atiende.tickets.models import Category

from ...factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def printers():
    hardware = Category.objects.create(name="Hardware", name_es="Equipos")
    return Category.objects.create(name="Printers", name_es="Impresoras", parent=hardware)


def _spanish(user):
    user.language = "es"
    user.save(update_fields=["language"])
    return user


def test_paths_in_each_language_follow_renames(printers):
    assert printers.label("en") == "Hardware › Printers"
    assert printers.label("es") == "Equipos › Impresoras"
    untranslated = Category.objects.create(name="Toner", parent=printers)
    assert untranslated.label("es") == "Equipos › Impresoras › Toner"
    hardware = printers.parent
    hardware.name_es = "Hardware (es)"
    hardware.save()
    printers.refresh_from_db()
    assert printers.label("es") == "Hardware (es) › Impresoras"


def test_portal_shows_spanish_categories(client, requester, printers, desk_default_team):
    client.force_login(_spanish(requester))
    form = client.get(reverse("portal:new")).content.decode()
    assert "Impresoras" in form and "Printers" not in form
    ticket = make_ticket(requester, category_id=printers.pk)
    page = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert "Equipos › Impresoras" in page


def test_desk_queue_shows_spanish_categories(client, requester, agent, printers):
    make_ticket(requester, actor=agent, category_id=printers.pk, team_id=agent.teams.first().pk)
    client.force_login(_spanish(agent))
    html = client.get(reverse("desk:queue")).content.decode()
    assert "Equipos › Impresoras" in html


def test_api_category_in_the_readers_language(api_as, requester, agent, printers):
    ticket = make_ticket(
        requester, actor=agent, category_id=printers.pk, team_id=agent.teams.first().pk
    )
    spanish = api_as(_spanish(requester)).get(f"/tickets/{ticket.pk}").json()
    english = api_as(agent).get(f"/tickets/{ticket.pk}").json()
    assert spanish["category"] == {"id": printers.pk, "name": "Equipos › Impresoras"}
    assert english["category"]["name"] == "Hardware › Printers"
    names = [c["name"] for c in api_as(requester).get("/categories").json()]
    assert "Equipos › Impresoras" in names


def test_acknowledgement_names_the_category_in_the_readers_language(
    requester, printers, desk_default_team
):
    requester.email = "ana@example.org"
    _spanish(requester)
    ticket = make_ticket(requester, category_id=printers.pk)
    row = OutboundMessage.objects.get(kind=OutboundKind.ACKNOWLEDGEMENT, ticket=ticket)
    message, _to = prepare(row)
    assert "Equipos › Impresoras" in message.body
