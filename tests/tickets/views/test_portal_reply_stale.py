"""A requester replying on a page older than the desk's public reply sees that reply first
("The desk replied while you were writing"), keeps the draft, and can send again."""

from __future__ import annotations

import re

from django.urls import reverse

from atiende.tickets import actions

from ...factories import make_ticket


def _page_seen(client, ticket) -> int:
    body = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    return int(re.search(r'name="seen" value="(\d+)"', body)[1])


def _reply(client, ticket, seen, body="Is anyone there?"):
    return client.post(reverse("portal:reply", args=[ticket.number]), {"body": body, "seen": seen})


def test_desk_reply_in_between_holds_the_message_back_once(
    client, requester, agent, desk_default_team
):
    ticket = make_ticket(requester)
    client.force_login(requester)
    seen = _page_seen(client, ticket)
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Restart the printer, please.")
    held = _reply(client, ticket, seen)
    assert held.status_code == 409
    page = held.content.decode()
    assert "The desk replied while you were writing" in page
    assert "Restart the printer, please." in page  # the new reply, in the conversation
    assert "Is anyone there?" in page  # the draft is kept
    assert agent.last_name not in page  # requesters know agents by first name only
    assert not ticket.events.filter(body="Is anyone there?").exists()
    new_seen = int(re.search(r'name="seen" value="(\d+)"', page)[1])
    assert new_seen > seen
    sent = _reply(client, ticket, new_seen)
    assert sent.status_code == 302
    assert ticket.events.filter(body="Is anyone there?").exists()


def test_internal_notes_and_own_messages_do_not_hold_back(
    client, requester, agent, desk_default_team
):
    ticket = make_ticket(requester)
    client.force_login(requester)
    seen = _page_seen(client, ticket)
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Toner?", public=False)
    actions.comment_add(actor=requester, ticket_id=ticket.pk, body="From my phone.")
    assert _reply(client, ticket, seen).status_code == 302
    assert ticket.events.filter(body="Is anyone there?").exists()


def test_without_seen_the_reply_is_sent_as_before(client, requester, agent, desk_default_team):
    ticket = make_ticket(requester)
    client.force_login(requester)
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Restart it.")
    answer = client.post(reverse("portal:reply", args=[ticket.number]), {"body": "Done."})
    assert answer.status_code == 302
