"""Deliveries to a real HTTP server on 127.0.0.1: signature, retries with backoff, order per
ticket, automatic disabling with the owner told, redelivery, ping."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import time_machine

from atiende.core import clock
from atiende.notifications.models import Notification
from atiende.tickets import actions as ticket_actions
from atiende.webhooks import actions, delivery
from atiende.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery

from ..factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(receiver, admin_user):
    webhook, _secret = actions.webhook_create(
        actor=admin_user,
        name="Chat",
        url=receiver.url,
        events=["ticket.created", "ticket.commented", "ticket.status_changed"],
    )
    return webhook


def _create(requester, capture, **fields):
    with capture(execute=True):
        return make_ticket(requester, **fields)


def test_signed_delivery(hook, receiver, requester, django_capture_on_commit_callbacks):
    ticket = _create(requester, django_capture_on_commit_callbacks)
    result = delivery.deliver_due()
    assert result.delivered == 1
    [got] = receiver.received
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.DELIVERED and row.response_code == 200
    assert row.response_excerpt == "ok" and row.attempts == 1
    headers = got.headers
    assert headers["X-Atiende-Event"] == "ticket.created"
    assert headers["X-Atiende-Delivery"] == str(row.pk)
    timestamp = headers["X-Atiende-Timestamp"]
    expected = hmac.new(
        hook.secret.encode(), timestamp.encode() + b"." + got.body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Atiende-Signature"] == f"sha256={expected}"
    payload = json.loads(got.body)
    assert payload["schema_version"] == 1 and payload["type"] == "ticket.created"
    assert payload["id"] == str(row.event_id)
    assert payload["ticket"]["number"] == ticket.number
    assert payload["ticket"]["requester"]["id"] == requester.pk


def test_retries_with_exponential_backoff_on_500(
    hook, receiver, requester, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    receiver.script.statuses = [500, 500]
    _create(requester, django_capture_on_commit_callbacks)
    start = clock.now()
    with time_machine.travel(start, tick=False) as traveller:
        assert delivery.deliver_due().failed == 1
        row = WebhookDelivery.objects.get()
        assert row.status == DeliveryStatus.FAILED and row.response_code == 500
        first_wait = row.next_attempt_at - start
        assert timedelta(seconds=5) <= first_wait <= timedelta(seconds=10)
        assert delivery.deliver_due().ids == []  # not due yet
        traveller.move_to(row.next_attempt_at)
        assert delivery.deliver_due().failed == 1
        row.refresh_from_db()
        second_wait = row.next_attempt_at - row.last_attempt_at
        assert timedelta(seconds=10) <= second_wait <= timedelta(seconds=20)  # doubled
        traveller.move_to(row.next_attempt_at)
        assert delivery.deliver_due().delivered == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DELIVERED and row.attempts == 3
    assert len(receiver.received) == 3
    hook.refresh_from_db()
    assert hook.consecutive_failures == 0  # a success resets the count


def test_gives_up_after_the_last_attempt(
    hook, receiver, requester, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.script.default = 503
    _create(requester, django_capture_on_commit_callbacks)
    with time_machine.travel(clock.now(), tick=False) as traveller:
        delivery.deliver_due()
        traveller.shift(timedelta(hours=1))
        delivery.deliver_due()
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.GAVE_UP and row.attempts == 2


def test_order_per_ticket(hook, receiver, requester, agent, django_capture_on_commit_callbacks):
    """A later delivery of the same ticket waits while an earlier one is retrying."""
    receiver.script.statuses = [500]
    ticket = _create(requester, django_capture_on_commit_callbacks)
    other = _create(requester, django_capture_on_commit_callbacks, title="Another")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Any news?")
    with time_machine.travel(clock.now(), tick=False) as traveller:
        delivery.deliver_due()
        # The first ticket's creation failed: its comment did not overtake it; the other
        # ticket went out.
        sent = [json.loads(r.body) for r in receiver.received]
        assert [(p["type"], p["ticket"]["id"]) for p in sent] == [
            ("ticket.created", ticket.pk),
            ("ticket.created", other.pk),
        ]
        traveller.shift(timedelta(hours=1))
        delivery.deliver_due()
    sent = [json.loads(r.body) for r in receiver.received]
    assert [(p["type"], p["ticket"]["id"]) for p in sent][2:] == [
        ("ticket.created", ticket.pk),
        ("ticket.commented", ticket.pk),
    ]
    assert sent[3]["data"]["comment"]["body"] == "Any news?"


def test_disabled_after_repeated_failures_and_owner_told(
    hook, receiver, requester, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DISABLE_AFTER = 3
    receiver.script.default = 500
    for n in range(4):
        _create(requester, django_capture_on_commit_callbacks, title=f"Ticket {n}")
    delivery.deliver_due()
    hook.refresh_from_db()
    assert not hook.active and hook.disabled_at is not None
    assert hook.consecutive_failures == 3
    assert len(receiver.received) == 3  # the fourth is not sent to a disabled webhook
    [note] = Notification.objects.filter(user=admin_user, verb="webhook_disabled")
    assert note.params == {"name": "Chat", "count": 3}
    # Turned on again: the queue resumes.
    receiver.script.default = 200
    actions.webhook_update(
        actor=admin_user,
        webhook_id=hook.pk,
        name=hook.name,
        url=hook.url,
        events=hook.events,
        include_internal=False,
        active=True,
    )
    with time_machine.travel(clock.now() + timedelta(days=1)):
        assert delivery.deliver_due().delivered == 4


def test_manual_redelivery(
    hook, receiver, requester, admin_user, django_capture_on_commit_callbacks
):
    _create(requester, django_capture_on_commit_callbacks)
    delivery.deliver_due()
    original = WebhookDelivery.objects.get()
    again = actions.redeliver(actor=admin_user, delivery_id=original.pk)
    assert delivery.deliver_due().delivered == 1
    again.refresh_from_db()
    assert again.status == DeliveryStatus.DELIVERED and again.redelivery_of_id == original.pk
    first, second = receiver.received
    assert first.body == second.body  # the same event, same id
    assert first.headers["X-Atiende-Delivery"] != second.headers["X-Atiende-Delivery"]


def test_ping_is_sent_at_once(hook, receiver, admin_user):
    row = actions.ping(actor=admin_user, webhook_id=hook.pk)
    sent = delivery.deliver_one(row.pk)
    assert sent is not None and sent.status == DeliveryStatus.DELIVERED
    assert receiver.received[0].headers["X-Atiende-Event"] == "ping"


def test_redirects_are_not_followed(hook, receiver, requester, django_capture_on_commit_callbacks):
    receiver.script.statuses = [302]
    receiver.script.location = "http://169.254.169.254/latest/meta-data/"
    _create(requester, django_capture_on_commit_callbacks)
    delivery.deliver_due()
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.FAILED and row.response_code == 302
    assert "169.254.169.254" in row.error
    assert len(receiver.received) == 1  # nothing else was asked


def test_claim_is_exclusive(hook, receiver, requester, django_capture_on_commit_callbacks):
    for n in range(3):
        _create(requester, django_capture_on_commit_callbacks, title=f"T{n}")
    first = delivery.claim(2)
    second = delivery.claim(10)
    assert len(first) == 2 and len(second) == 1
    assert not {r.pk for r in first} & {r.pk for r in second}
    assert delivery.claim(10) == []  # all leased


def test_webhook_tells_only_what_its_owner_sees(
    receiver, manager, other_team, requester, django_capture_on_commit_callbacks
):
    actions.webhook_create(actor=manager, name="Team", url=receiver.url, events=["ticket.created"])
    _create(requester, django_capture_on_commit_callbacks, team_id=None)
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(requester, actor=manager, team_id=other_team.pk, title="Elsewhere")
    titles = [d.payload["ticket"]["title"] for d in WebhookDelivery.objects.all()]
    assert "Elsewhere" not in titles
    assert Webhook.objects.count() == 1
