"""People in copy (tickets.TicketParticipant): who may add whom, the limit, the timeline,
merge, and that being in copy never opens the ticket to anyone in the portal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.core.errors import NotFound, ValidationFailed
from atiende.tickets import actions
from atiende.tickets.models import EventType, TicketEvent, TicketParticipant

from ..factories import RequesterFactory, make_ticket

pytestmark = pytest.mark.django_db


def _in_copy(ticket) -> list[str]:
    return list(TicketParticipant.objects.filter(ticket=ticket).values_list("email", flat=True))


def test_a_requester_adds_a_colleague_of_their_organisation(requester, desk_default_team):
    ticket = make_ticket(requester)
    colleague = RequesterFactory(organization=requester.organization, email="Luis@Example.org")
    found = actions.participant_add(
        actor=requester, ticket_id=ticket.pk, email=" LUIS@example.org "
    )
    assert found.user == colleague and found.added_by == requester
    assert _in_copy(ticket) == ["luis@example.org"]  # stored lower-cased
    entry = TicketEvent.objects.get(ticket=ticket, field="participants")
    assert entry.type == EventType.FIELD and entry.public and entry.new_value == "luis@example.org"
    # Adding again is no second row and no second entry.
    actions.participant_add(actor=requester, ticket_id=ticket.pk, email="luis@example.org")
    assert TicketEvent.objects.filter(ticket=ticket, field="participants").count() == 1


@pytest.mark.parametrize("who", ["other_org", "unknown", "no_org"])
def test_a_requester_cannot_add_outsiders_or_unknown_addresses(requester, desk_default_team, who):
    ticket = make_ticket(requester)
    RequesterFactory(email="stranger@else.org")  # another organisation
    if who == "no_org":
        requester.organization = None
        requester.save()
        RequesterFactory(email="alone@example.org", organization=None)
    email = {"other_org": "stranger@else.org", "unknown": "nobody@example.org",
             "no_org": "alone@example.org"}[who]  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        actions.participant_add(actor=requester, ticket_id=ticket.pk, email=email)
    assert caught.value.status_code == 422 and "email" in caught.value.errors
    assert _in_copy(ticket) == [] and not TicketEvent.objects.filter(field="participants").exists()


def test_agents_add_any_address_and_remove(agent, requester, desk_default_team):
    ticket = make_ticket(requester)
    found = actions.participant_add(actor=agent, ticket_id=ticket.pk, email="vendor@partner.com")
    assert found.user is None
    actions.participant_remove(actor=agent, ticket_id=ticket.pk, participant_id=found.pk)
    assert _in_copy(ticket) == []
    removed = TicketEvent.objects.get(ticket=ticket, field="participants", old_value__gt="")
    assert removed.public and removed.old_value == "vendor@partner.com"
    with pytest.raises(NotFound):  # gone already
        actions.participant_remove(actor=agent, ticket_id=ticket.pk, participant_id=found.pk)


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b@c", "x" * 250 + "@ex.org"])
def test_bad_addresses_are_422(agent, requester, desk_default_team, email):
    ticket = make_ticket(requester)
    with pytest.raises(ValidationFailed):
        actions.participant_add(actor=agent, ticket_id=ticket.pk, email=email)


def test_the_requester_is_not_their_own_participant(agent, requester, desk_default_team):
    ticket = make_ticket(requester)
    with pytest.raises(ValidationFailed):
        actions.participant_add(actor=agent, ticket_id=ticket.pk, email=requester.email.upper())


def test_the_count_per_ticket_is_bounded(agent, requester, desk_default_team):
    ticket = make_ticket(requester)
    for i in range(actions.PARTICIPANTS_MAX):
        actions.participant_add(actor=agent, ticket_id=ticket.pk, email=f"p{i}@example.net")
    with pytest.raises(ValidationFailed) as caught:
        actions.participant_add(actor=agent, ticket_id=ticket.pk, email="one-more@example.net")
    assert "20" in caught.value.errors["email"][0]
    # Mail intake's quiet path drops what is over the limit.
    added = actions.participants_add_quietly(ticket_id=ticket.pk, addresses=["late@example.net"])
    assert added == 0 and len(_in_copy(ticket)) == actions.PARTICIPANTS_MAX


def test_someone_who_cannot_see_the_ticket_cannot_add(
    requester, other_requester, desk_default_team
):
    ticket = make_ticket(requester)
    with pytest.raises(NotFound):
        actions.participant_add(actor=other_requester, ticket_id=ticket.pk, email="a@example.org")


def test_merge_moves_participants_to_the_target(agent, requester, desk_default_team):
    source, target = make_ticket(requester), make_ticket(requester)
    actions.participant_add(actor=agent, ticket_id=source.pk, email="a@example.net")
    actions.participant_add(actor=agent, ticket_id=source.pk, email="both@example.net")
    actions.participant_add(actor=agent, ticket_id=target.pk, email="both@example.net")
    actions.ticket_merge(actor=agent, ticket_id=source.pk, into=target.pk)
    assert sorted(_in_copy(target)) == ["a@example.net", "both@example.net"]


def test_a_participant_of_another_organisation_cannot_open_the_ticket(
    client, agent, requester, desk_default_team
):
    ticket = make_ticket(requester)
    outsider = RequesterFactory(email="out@else.org")
    actions.participant_add(actor=agent, ticket_id=ticket.pk, email="out@else.org")
    client.force_login(outsider)
    assert client.get(reverse("portal:ticket", args=[ticket.number])).status_code == 404
    assert client.get(reverse("api:ticket_get", args=[ticket.pk])).status_code == 404


def test_the_portal_card_adds_a_colleague_and_refuses_an_outsider(client, requester, ticket):
    RequesterFactory(organization=requester.organization, email="luis@example.org")
    RequesterFactory(email="out@else.org")
    client.force_login(requester)
    page = reverse("portal:ticket", args=[ticket.number])
    html = client.get(page).content.decode()
    assert (
        'id="participants"' in html
        and reverse("portal:participant_add", args=[ticket.number]) in html
    )
    add = reverse("portal:participant_add", args=[ticket.number])
    assert client.post(add, {"email": "luis@example.org"}).status_code == 302
    answer = client.post(add, {"email": "out@else.org"}, follow=True)
    assert "own organisation" in answer.content.decode()
    assert _in_copy(ticket) == ["luis@example.org"]
    html = client.get(page).content.decode()
    assert "luis@example.org" in html
    found = TicketParticipant.objects.get(ticket=ticket)
    remove = reverse("portal:participant_remove", args=[ticket.number, found.pk])
    assert client.post(remove).status_code == 302 and _in_copy(ticket) == []


def test_the_desk_card_adds_any_address_and_outsiders_get_404(
    client, agent, requester, other_requester, ticket
):
    client.force_login(agent)
    html = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert 'id="participants"' in html
    add = reverse("desk:participant_add", args=[ticket.number])
    assert client.post(add, {"email": "vendor@partner.com"}).status_code == 302
    assert (
        "vendor@partner.com"
        in client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    )
    client.force_login(other_requester)
    portal_add = reverse("portal:participant_add", args=[ticket.number])
    assert client.post(portal_add, {"email": "x@example.org"}).status_code == 404
    assert _in_copy(ticket) == ["vendor@partner.com"]
