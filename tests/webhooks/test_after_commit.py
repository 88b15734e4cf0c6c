"""Webhooks never slow down, break or roll back the action that triggered them: deliveries
are queued in the action's transaction (an outbox: they commit or roll back with it) and
sent by the worker; internal notes stay internal."""

from __future__ import annotations

import time

import pytest

from atiende.core import events
from atiende.tickets import actions as ticket_actions
from atiende.tickets.events import TicketCreated
from atiende.webhooks import actions, delivery, subscribers
from atiende.webhooks.models import WebhookDelivery

from ..factories import make_ticket

pytestmark = pytest.mark.django_db


def test_slow_and_failing_receiver_does_not_slow_the_action(
    receiver, admin_user, requester, django_capture_on_commit_callbacks
):
    receiver.script.default = 500
    receiver.script.delay = 5
    make_ticket(requester, title="warm-up")  # first-use costs out of the measurement
    actions.webhook_create(actor=admin_user, name="x", url=receiver.url, events=["ticket.created"])
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(requester)
    assert time.monotonic() - started < 4  # nothing waited for the 5-second receiver
    assert receiver.received == []  # nothing was even sent from the action
    assert ticket.pk and WebhookDelivery.objects.filter(ticket_id=ticket.pk).count() == 1
    delivery.deliver_due()  # the worker meets the slow failure, later
    assert WebhookDelivery.objects.get().status == "failed"


def test_queued_with_the_action_and_rolled_back_with_it(receiver, admin_user, requester):
    actions.webhook_create(actor=admin_user, name="x", url=receiver.url, events=["ticket.created"])
    with pytest.raises(RuntimeError), django_transaction():
        ticket = make_ticket(requester)
        assert WebhookDelivery.objects.filter(ticket_id=ticket.pk).count() == 1  # same commit
        raise RuntimeError
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


def django_transaction():
    from django.db import transaction

    return transaction.atomic()


def test_a_broken_subscriber_does_not_break_the_action(
    monkeypatch, receiver, admin_user, requester, django_capture_on_commit_callbacks
):
    actions.webhook_create(actor=admin_user, name="x", url=receiver.url, events=["ticket.created"])

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(subscribers, "enqueue", broken)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(requester)
    assert ticket.pk is not None
    assert ticket.events.filter(type="created").exists()  # the action's own writes stayed
    assert subscribers.on_created in events.transaction_subscribers(TicketCreated)


def test_internal_notes_only_to_webhooks_allowed_them(
    receiver, admin_user, agent, team, requester, django_capture_on_commit_callbacks
):
    actions.webhook_create(
        actor=admin_user, name="public", url=receiver.url, events=["ticket.commented"]
    )
    inside, _ = actions.webhook_create(
        actor=admin_user,
        name="internal",
        url=receiver.url,
        events=["ticket.commented"],
        include_internal=True,
    )
    ticket = make_ticket(requester, actor=agent, team_id=team.pk)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_actions.comment_add(actor=agent, ticket_id=ticket.pk, body="secret", public=False)
    [row] = WebhookDelivery.objects.all()
    assert row.webhook_id == inside.pk
    assert row.payload["data"]["comment"] == {
        "id": row.payload["data"]["comment"]["id"],
        "public": False,
        "body": "secret",
    }
    with django_capture_on_commit_callbacks(execute=True):
        ticket_actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Hello", public=True)
    assert WebhookDelivery.objects.count() == 3


def test_no_webhook_costs_one_query(requester, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert subscribers.enqueue("ticket.created", ticket_id=1, actor_id=None) == []
