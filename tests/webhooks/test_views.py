"""The desk's webhook pages: managers only, pickers not JSON, the secret shown once, the
delivery log with response codes, redeliver and test ping; refusals on the form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atiende.webhooks import delivery
from atiende.webhooks.models import Webhook, WebhookDelivery

from ..factories import make_ticket

pytestmark = pytest.mark.django_db


def _create(client, receiver, **extra):
    data = {"name": "Chat", "url": receiver.url, "events": ["ticket.created", "ticket.commented"]}
    return client.post(reverse("webhooks:list"), {**data, **extra})


def test_create_shows_the_secret_once(client, manager, receiver):
    client.force_login(manager)
    page = client.get(reverse("webhooks:list"))
    assert page.status_code == 200
    assert b'type="checkbox" name="events" value="ticket.created"' in page.content
    response = _create(client, receiver)
    hook = Webhook.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "webhooks:detail", args=[hook.pk]
    )
    first = client.get(response.url)
    assert hook.secret in first.content.decode()
    again = client.get(response.url)
    assert hook.secret not in again.content.decode()
    assert hook.events == ["ticket.created", "ticket.commented"] and hook.owner == manager


def test_refused_target_is_a_form_error(client, manager, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    client.force_login(manager)
    response = client.post(
        reverse("webhooks:list"),
        {"name": "x", "url": "http://10.0.0.1/", "events": ["ticket.created"]},
    )
    assert response.status_code == 422
    assert "10.0.0.1 is a private address" in response.content.decode()
    assert not Webhook.objects.exists()


def test_spanish(client, manager, settings):
    from django.utils import translation

    with translation.override("es"):
        if translation.gettext("Ticket created") == "Ticket created":
            pytest.skip("the compiled catalogue (django.mo) predates these messages: make messages")
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    client.force_login(manager)
    response = client.post(
        reverse("webhooks:list"),
        {"name": "x", "url": "http://169.254.169.254/", "events": ["ticket.created"]},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    text = response.content.decode()
    assert "metadatos" in text and "Ticket creado" in text


def test_agents_and_requesters_get_404(client, agent, requester):
    for user in (agent, requester):
        client.force_login(user)
        assert client.get(reverse("webhooks:list")).status_code in (302, 404)
    client.force_login(agent)
    assert client.get(reverse("webhooks:list")).status_code == 404


def test_log_ping_redeliver(
    client, manager, receiver, requester, desk_default_team, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    _create(client, receiver)
    hook = Webhook.objects.get()
    receiver.script.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(requester)
    delivery.deliver_due()
    page = client.get(reverse("webhooks:detail", args=[hook.pk])).content.decode()
    assert "HTTP 500" in page and "ticket.created" in page
    row = WebhookDelivery.objects.get()
    response = client.post(reverse("webhooks:redeliver", args=[row.pk]))
    assert response.status_code == 302
    assert WebhookDelivery.objects.filter(redelivery_of=row).count() == 1
    pinged = client.post(reverse("webhooks:ping", args=[hook.pk]), follow=True)
    # The ping waits behind nothing (no ticket): delivered at once.
    assert "Ping delivered (HTTP 200)" in pinged.content.decode()
    edit = client.post(
        reverse("webhooks:detail", args=[hook.pk]),
        {"name": "Chat", "url": receiver.url, "events": ["ticket.created"]},
    )
    assert edit.status_code == 302
    hook.refresh_from_db()
    assert hook.active is False and hook.events == ["ticket.created"]
