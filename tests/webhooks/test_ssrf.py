"""The SSRF guard: targets are resolved and every address checked, on save and on each
attempt; the allow-list opens chosen networks; metadata stays refused."""

from __future__ import annotations

import json

import pytest

from atiende.core.errors import ValidationFailed
from atiende.webhooks import actions, delivery, guard
from atiende.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery

from ..factories import make_ticket


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://10.0.0.1/hook", "private"),
        ("http://192.168.1.10/hook", "private"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://[::ffff:10.0.0.1]/hook", "private"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://0.0.0.0/hook", "loopback"),
        ("http://100.64.0.1/hook", "reserved"),
        ("http://localhost:9/hook", "loopback"),
    ],
)
def test_refused_addresses(url, words, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    with pytest.raises(ValidationFailed) as refused:
        guard.check(url)
    assert words in refused.value.errors["url"][0]


def test_a_name_resolving_to_a_private_address(monkeypatch):
    monkeypatch.setattr(guard, "resolve", lambda host, port: ["93.184.215.14", "10.1.2.3"])
    with pytest.raises(ValidationFailed) as refused:
        guard.check("https://hooks.example.com/in")
    assert "10.1.2.3 is a private address" in refused.value.errors["url"][0]


def test_public_name_connects_to_the_checked_address(monkeypatch):
    monkeypatch.setattr(guard, "resolve", lambda host, port: ["93.184.215.14"])
    target = guard.check("https://hooks.example.com/in?x=1")
    assert (target.address, target.host, target.port, target.path) == (
        "93.184.215.14",
        "hooks.example.com",
        443,
        "/in?x=1",
    )


def test_allow_list_opens_a_network_but_never_metadata(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "169.254.0.0/16"]
    assert guard.check("http://127.0.0.1:9/x").address == "127.0.0.1"
    with pytest.raises(ValidationFailed):
        guard.check("http://[::1]/x")  # IPv4 networks do not open IPv6 loopback
    with pytest.raises(ValidationFailed):
        guard.check("http://169.254.169.254/")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "http:///nohost",
        "http://user:pw@example.com/",
        "not a url",
        "http://example.com:99999/",
    ],
)
def test_malformed_urls(url):
    with pytest.raises(ValidationFailed):
        guard.check(url)


@pytest.mark.django_db
def test_saving_a_refused_target_writes_nothing(admin_user, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    with pytest.raises(ValidationFailed) as refused:
        actions.webhook_create(
            actor=admin_user, name="x", url="http://127.0.0.1/", events=["ticket.created"]
        )
    assert "url" in refused.value.errors
    assert not Webhook.objects.exists()


@pytest.mark.django_db
def test_checked_again_when_sending(
    receiver, admin_user, requester, settings, django_capture_on_commit_callbacks
):
    """Saved while allowed, then the allow-list no longer covers it (or DNS changed): the
    attempt is refused without connecting."""
    actions.webhook_create(actor=admin_user, name="x", url=receiver.url, events=["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(requester)
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    delivery.deliver_due()
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.FAILED and "loopback" in row.error
    assert receiver.received == []


@pytest.mark.django_db
def test_redirect_to_a_private_address_is_not_followed(
    receiver, admin_user, requester, django_capture_on_commit_callbacks
):
    receiver.script.statuses = [307]
    receiver.script.location = "http://10.0.0.1/internal"
    actions.webhook_create(actor=admin_user, name="x", url=receiver.url, events=["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(requester)
    delivery.deliver_due()
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.FAILED and row.response_code == 307
    assert "10.0.0.1" in row.error
    assert len(receiver.received) == 1
    assert json.loads(receiver.received[0].body)["type"] == "ticket.created"
