"""Submitting a catalogue request: a REQ- ticket through tickets' own action, its answers
stored and findable; who may request what; and nothing written when an answer is refused,
whichever way it came (portal or API)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.accounts.models import Role
from atiende.catalogue import actions, selectors
from atiende.catalogue.models import RequestAnswers
from atiende.core.errors import NotFound
from atiende.tickets.models import Attachment, Kind, Ticket, TicketEvent
from atiende.tickets.selectors import TicketFilters, tickets_filtered
from tests.factories import OrganizationFactory, RequesterFactory

GOOD = {"os": "linux", "distro": "Debian", "screens": "2", "travels": "no"}


def _rows():
    return (
        Ticket.objects.count(),
        RequestAnswers.objects.count(),
        TicketEvent.objects.count(),
        Attachment.objects.count(),
    )


def test_submit_opens_a_service_request_with_answers(laptop, requester, agent):
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    assert ticket.kind == Kind.REQUEST and ticket.number.startswith("REQ-")
    assert ticket.title == "New laptop"
    answers = RequestAnswers.objects.get(ticket=ticket)
    assert answers.item == laptop
    assert answers.values == {"os": "linux", "distro": "Debian", "screens": 2, "travels": False}
    assert "Which Linux?: Debian" in answers.summary
    # Searchable by the answers' words, by the requester and by agents.
    for who in (requester, agent):
        found = tickets_filtered(who, TicketFilters(q="debian"))
        assert list(found) == [ticket]


def test_attachment_fields_become_the_tickets_files(laptop, requester):
    quote = SimpleUploadedFile("quote.pdf", b"%PDF-1.4 quote", "application/pdf")
    ticket = actions.request_submit(
        actor=requester, item_id=laptop.pk, answers={"os": "mac"}, files={"quote": [quote]}
    )
    assert [a.filename for a in Attachment.objects.filter(ticket=ticket)] == ["quote.pdf"]
    assert ticket.catalogue_answers.values["quote"] == "quote.pdf"


def test_filter_by_item_in_the_queue(laptop, requester, agent):
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    from tests.factories import make_ticket

    make_ticket(requester, kind=Kind.REQUEST)
    from django.db.models import Q

    found = tickets_filtered(agent, TicketFilters(extra=[Q(catalogue_answers__item_id=laptop.pk)]))
    assert list(found) == [ticket]


# --- who may request --------------------------------------------------------------------------


def test_organisation_and_role_rules(laptop, manager, requester, agent):
    other_org = OrganizationFactory(name="Elsewhere")
    stranger = RequesterFactory(organization=other_org)
    assert laptop in selectors.items_requestable_by(requester)
    actions.item_save(
        actor=manager,
        item_id=laptop.pk,
        category_id=laptop.category_id,
        name=laptop.name,
        organization_ids=[requester.organization_id],
        roles=[Role.REQUESTER],
    )
    assert laptop in selectors.items_requestable_by(requester)
    assert laptop not in selectors.items_requestable_by(stranger)
    assert laptop not in selectors.items_requestable_by(agent)  # role: requesters only
    before = _rows()
    for who in (stranger, agent):
        with pytest.raises(NotFound):
            actions.request_submit(actor=who, item_id=laptop.pk, answers=GOOD)
    assert _rows() == before


def test_inactive_items_cannot_be_requested(laptop, manager, requester):
    actions.item_save(
        actor=manager,
        item_id=laptop.pk,
        category_id=laptop.category_id,
        name=laptop.name,
        is_active=False,
    )
    assert selectors.items_requestable_by(requester) == []
    with pytest.raises(NotFound):
        actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)


def test_only_managers_build_the_catalogue(laptop, agent):
    from atiende.core.errors import Forbidden

    with pytest.raises(Forbidden):
        actions.field_save(actor=agent, item_id=laptop.pk, key="x", type="text", label="X")


# --- the same validation in the portal and the API; bad input writes nothing -------------------

BAD = [
    ({"os": "mac", "colour": "red"}, "colour", 422),  # unknown field
    ({"os": "mac", "screens": "many"}, "screens", 422),  # wrong type
    ({"os": "windows", "distro": "Debian"}, "distro", 422),  # hidden field answered
    ({"os": "linux"}, "distro", 422),  # shown and required
]


def _portal_post(client, laptop, answers, files=None):
    data = {}
    for key, value in answers.items():
        data[f"f_{key}"] = value
    for key, upload in (files or {}).items():
        data[f"f_{key}"] = upload
    return client.post(f"/portal/catalogue/items/{laptop.pk}/", data)


@pytest.mark.parametrize(("answers", "key", "status"), BAD)
def test_bad_answers_in_the_portal_and_the_api_alike(
    laptop, requester, portal, api_as, answers, key, status
):
    before = _rows()
    page = _portal_post(portal, laptop, answers)
    assert page.status_code == status
    api = api_as(requester).post(f"/catalogue/items/{laptop.pk}/requests", {"answers": answers})
    assert api.status_code == status
    body = api.json()
    assert list(body["errors"]) == [key]
    # The portal shows the same message on the same question.
    assert body["errors"][key][0] in page.content.decode().replace("&#x27;", "'").replace(
        "&quot;", '"'
    )
    assert _rows() == before


def test_oversized_upload_is_413_in_both_and_writes_nothing(
    laptop, requester, portal, api_as, settings
):
    settings.ATTACHMENT_MAX_BYTES = 10
    before = _rows()
    big = SimpleUploadedFile("quote.pdf", b"%PDF" + b"x" * 100, "application/pdf")
    page = _portal_post(portal, laptop, {"os": "mac"}, {"quote": big})
    assert page.status_code == 413
    big.seek(0)
    api = api_as(requester).upload(
        f"/catalogue/items/{laptop.pk}/requests",
        {"answers": json.dumps({"os": "mac"}), "quote": big},
    )
    assert api.status_code == 413, api.content
    assert "quote" in api.json()["errors"]
    assert _rows() == before


def test_portal_and_api_accept_the_same_answers(laptop, requester, portal, api_as):
    page = _portal_post(portal, laptop, {**GOOD, "software": ["vpn", "office"]})
    assert page.status_code == 302
    api = api_as(requester).post(
        f"/catalogue/items/{laptop.pk}/requests",
        {"answers": {**GOOD, "software": ["vpn", "office"]}},
    )
    assert api.status_code == 201, api.content
    first, second = RequestAnswers.objects.order_by("ticket_id")
    assert first.values == second.values == api.json()["answers"]
    assert first.ticket.channel == "portal" and second.ticket.channel == "api"


def test_answers_read_in_each_readers_language(laptop, requester, agent, api_as):
    from django.test import Client

    requester.language = "es"
    requester.save()
    ticket = actions.request_submit(
        actor=requester, item_id=laptop.pk, answers={"os": "mac", "travels": "yes"}
    )
    answers = RequestAnswers.objects.get(ticket=ticket)
    assert "Viaja a menudo: Sí" in answers.summary  # the requester's language
    client = Client()
    client.force_login(agent)  # reads in English
    html = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert "Travels often" in html and ">Yes<" in html
    rows = api_as(agent).get(f"/catalogue/requests/{ticket.number}").json()["rows"]
    assert {"key": "travels", "type": "yes_no", "label": "Travels often", "display": "Yes"} in rows
    # Searchable in both languages.
    assert list(tickets_filtered(agent, TicketFilters(q="viaja"))) == [ticket]
    assert list(tickets_filtered(agent, TicketFilters(q="travels"))) == [ticket]


@pytest.mark.parametrize(
    "answers",
    [
        {"os": "linux", "distro": "Deb\x00ian"},
        {"os": "linux", "distro": "Deb\ud800ian"},
        {"os": "mac", "x\x00\ud800": "y"},
        {"os": "mac", "software": ["vpn\x00"]},
    ],
)
def test_text_that_cannot_be_stored_is_a_422(laptop, requester, portal, api_as, answers):
    """A NUL (PostgreSQL refuses it) or a lone surrogate (UTF-8 cannot hold it): a 4xx on
    the field, in the API and the portal, never a database error."""
    before = _rows()
    body = json.dumps({"answers": answers})  # "\ud800" travels as its JSON escape
    api = api_as(requester).post(f"/catalogue/items/{laptop.pk}/requests", body)
    assert api.status_code == 422, api.content
    if not any("\ud800" in str(k) + str(v) for k, v in answers.items()):
        # Form posts are UTF-8: a browser cannot send a lone surrogate, but it can send a NUL.
        assert _portal_post(portal, laptop, answers).status_code == 422
    assert _rows() == before
