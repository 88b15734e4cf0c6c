"""The webhooks API: managers only, CRUD, secret shown once, delivery log, redelivery; bad
input answers 4xx and writes nothing."""

from __future__ import annotations

import pytest

from atiende.audit.models import AuditEntry
from atiende.webhooks import delivery
from atiende.webhooks.models import Webhook, WebhookDelivery

from ..api.conftest import ApiClient
from ..factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_manager(manager):
    return ApiClient(manager)


def test_create_read_update_delete(as_manager, receiver, manager):
    body = {"name": "Chat", "url": receiver.url, "events": ["ticket.created"]}
    created = as_manager.post("/webhooks", body)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["secret"].startswith("whsec_") and data["owner"]["id"] == manager.pk
    hook_id = data["id"]
    read = as_manager.get(f"/webhooks/{hook_id}").json()
    assert "secret" not in read  # shown once
    assert [w["id"] for w in as_manager.get("/webhooks").json()] == [hook_id]
    changed = as_manager.patch(f"/webhooks/{hook_id}", {"active": False, "name": "Chat 2"})
    assert changed.status_code == 200
    assert changed.json()["active"] is False and changed.json()["disabled_reason"] == "manual"
    rotated = as_manager.post(f"/webhooks/{hook_id}/rotate-secret").json()
    assert rotated["secret"] != data["secret"]
    assert Webhook.objects.get().secret == rotated["secret"]
    audit = AuditEntry.objects.filter(
        object_id=str(hook_id), content_type__model="webhook"
    ).order_by("id")
    assert audit.count() == 3
    assert all(e.changes.get("secret") in (None, "changed") for e in audit)
    assert as_manager.delete(f"/webhooks/{hook_id}").status_code == 204
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "url": "http://169.254.169.254/", "events": ["ticket.created"]}, "url"),
        ({"name": "x", "url": "http://10.0.0.1/", "events": ["ticket.created"]}, "url"),
        ({"name": "x", "url": "http://[::1]/", "events": ["ticket.created"]}, "url"),
        ({"name": "x", "url": "gopher://example.com/", "events": ["ticket.created"]}, "url"),
        ({"name": "x", "url": "https://93.184.215.14/", "events": ["ticket.nope"]}, "events"),
        ({"name": "x", "url": "https://93.184.215.14/", "events": []}, "events"),
        ({"name": "", "url": "https://93.184.215.14/", "events": ["ticket.created"]}, "name"),
        (
            {
                "name": "x",
                "url": "https://93.184.215.14/",
                "events": ["ticket.created"],
                "secret": "mine",
            },
            "secret",
        ),
    ],
)
def test_bad_input_is_422_and_writes_nothing(as_manager, settings, body, field):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    response = as_manager.post("/webhooks", body)
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    assert not Webhook.objects.exists()


def test_refused_target_on_update_changes_nothing(as_manager, receiver):
    hook_id = as_manager.post(
        "/webhooks", {"name": "Chat", "url": receiver.url, "events": ["ticket.created"]}
    ).json()["id"]
    response = as_manager.patch(f"/webhooks/{hook_id}", {"url": "http://169.254.169.254/x"})
    assert response.status_code == 422 and "metadata" in response.json()["errors"]["url"][0]
    assert Webhook.objects.get().url == receiver.url


def test_agents_and_requesters_are_refused(agent, requester):
    for user in (agent, requester):
        client = ApiClient(user)
        assert client.get("/webhooks").status_code == 403
        body = {"name": "x", "url": "https://93.184.215.14/", "events": ["ticket.created"]}
        assert client.post("/webhooks", body).status_code == 403
    assert not Webhook.objects.exists()


def test_another_managers_webhook_is_not_found(as_manager, admin_user, receiver):
    other = (
        ApiClient(admin_user)
        .post("/webhooks", {"name": "Admin's", "url": receiver.url, "events": ["ticket.created"]})
        .json()["id"]
    )
    assert as_manager.get(f"/webhooks/{other}").status_code == 404
    assert as_manager.post(f"/webhooks/{other}/ping").status_code == 404
    assert as_manager.delete(f"/webhooks/{other}").status_code == 404
    assert ApiClient(admin_user).get("/webhooks").json()[0]["id"] == other


def test_delivery_log_and_redelivery(
    as_manager, receiver, requester, desk_default_team, django_capture_on_commit_callbacks
):
    hook_id = as_manager.post(
        "/webhooks", {"name": "Chat", "url": receiver.url, "events": ["ticket.created"]}
    ).json()["id"]
    receiver.script.statuses = [500]
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            make_ticket(requester, title=f"T{n}")
    delivery.deliver_due()
    page = as_manager.get(f"/webhooks/{hook_id}/deliveries", {"limit": 2}).json()
    assert page["count"] == 3 and len(page["items"]) == 2 and page["next"]
    rest = as_manager.client.get(page["next"]).json()
    assert len(rest["items"]) == 1
    codes = sorted(i["response_code"] for i in page["items"] + rest["items"])
    assert codes == [200, 200, 500]
    failed = next(i for i in page["items"] + rest["items"] if i["response_code"] == 500)
    detail = as_manager.get(f"/webhook-deliveries/{failed['id']}").json()
    assert detail["payload"]["type"] == "ticket.created"
    again = as_manager.post(f"/webhook-deliveries/{failed['id']}/redeliver")
    assert again.status_code == 202 and again.json()["redelivery_of"] == failed["id"]
    ping = as_manager.post(f"/webhooks/{hook_id}/ping")
    assert ping.status_code == 202 and ping.json()["event_type"] == "ping"
    assert WebhookDelivery.objects.count() == 5
