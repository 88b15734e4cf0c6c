"""Webhooks over the API (managers and administrators; docs/webhooks.md): create, read,
edit, delete, rotate the secret, ping, the delivery log and redelivery. The secret appears
in the answers of create and rotate only."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from atiende.core.api import Id, InputSchema, errors, next_url, person_ref
from atiende.core.errors import Forbidden, NotFound
from atiende.core.pagination import check_cursor, paginate

from . import actions, payloads, selectors
from .models import NAME_MAX, URL_MAX, Webhook, WebhookDelivery

router = Router(tags=["webhooks"])

EventName = str


class WebhookIn(InputSchema):
    name: str = Field(max_length=NAME_MAX)
    url: str = Field(max_length=URL_MAX, description="http or https; public addresses only.")
    events: list[EventName] = Field(
        min_length=1, max_length=len(payloads.EVENT_TYPES), description="Event types."
    )
    include_internal: bool = Field(False, description="Also send internal notes.")


class WebhookPatch(InputSchema):
    name: str | None = Field(None, max_length=NAME_MAX)
    url: str | None = Field(None, max_length=URL_MAX)
    events: list[EventName] | None = Field(None, max_length=len(payloads.EVENT_TYPES))
    include_internal: bool | None = None
    active: bool | None = None


class WebhookOwnerOut(Schema):
    id: int
    display_name: str


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    include_internal: bool
    active: bool
    owner: WebhookOwnerOut
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str = Field(description="`failures` (automatic), `manual` or empty.")
    created_at: datetime
    updated_at: datetime


class WebhookWithSecretOut(WebhookOut):
    secret: str = Field(description="Shown only in this answer: keep it now.")


class DeliveryOut(Schema):
    id: int
    webhook_id: int
    event_id: UUID
    event_type: str
    ticket_id: int | None
    status: str = Field(description="pending, delivered, failed (will retry) or gave_up.")
    attempts: int
    next_attempt_at: datetime
    response_code: int | None
    response_excerpt: str
    error: str
    duration_ms: int | None
    redelivery_of: int | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryDetailOut(DeliveryOut):
    payload: dict[str, Any]


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    count: int
    count_exact: bool
    next: str | None


class PageQuery(Schema):
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(50, ge=1, le=200)


def _require_manager(request) -> None:
    if not request.user.is_manager:
        raise Forbidden(_("Only managers and administrators can manage webhooks."))


def webhook_data(webhook: Webhook, secret: str | None = None) -> dict[str, Any]:
    data = {
        "id": webhook.pk,
        "name": webhook.name,
        "url": webhook.url,
        "events": list(webhook.events),
        "include_internal": webhook.include_internal,
        "active": webhook.active,
        "owner": person_ref(webhook.owner),
        "consecutive_failures": webhook.consecutive_failures,
        "disabled_at": webhook.disabled_at,
        "disabled_reason": webhook.disabled_reason,
        "created_at": webhook.created_at,
        "updated_at": webhook.updated_at,
    }
    if secret is not None:
        data["secret"] = secret
    return data


def delivery_data(row: WebhookDelivery, *, payload: bool = False) -> dict[str, Any]:
    data = {
        "id": row.pk,
        "webhook_id": row.webhook_id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "ticket_id": row.ticket_id,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "response_code": row.response_code,
        "response_excerpt": row.response_excerpt,
        "error": row.error,
        "duration_ms": row.duration_ms,
        "redelivery_of": row.redelivery_of_id,
        "created_at": row.created_at,
        "last_attempt_at": row.last_attempt_at,
        "delivered_at": row.delivered_at,
    }
    if payload:
        data["payload"] = row.payload
    return data


def _get(request, webhook_id: int) -> Webhook:
    webhook = selectors.webhook_get(request.user, webhook_id)
    if webhook is None:
        raise NotFound()
    return webhook


@router.get(
    "/webhooks",
    response={200: list[WebhookOut], **errors(401, 403)},
    url_name="webhook_list",
    summary="Webhooks the caller manages (administrators: all)",
)
def webhook_list(request):
    _require_manager(request)
    return [webhook_data(w) for w in selectors.webhooks_of(request.user).select_related("owner")]


@router.post(
    "/webhooks",
    response={201: WebhookWithSecretOut, **errors(401, 403, 422)},
    url_name="webhook_create",
    summary="Create a webhook (its secret is in this answer only)",
)
def webhook_create(request, payload: WebhookIn):
    _require_manager(request)
    webhook, secret = actions.webhook_create(actor=request.user, **payload.dict())
    return Reply(201, webhook_data(_get(request, webhook.pk), secret))


@router.get(
    "/webhooks/{webhook_id}",
    response={200: WebhookOut, **errors(401, 404, 422)},
    url_name="webhook_detail",
    summary="A webhook",
)
def webhook_detail(request, webhook_id: Id):
    return webhook_data(_get(request, webhook_id))


@router.patch(
    "/webhooks/{webhook_id}",
    response={200: WebhookOut, **errors(401, 404, 422)},
    url_name="webhook_update",
    summary="Change a webhook; `active: true` turns a disabled one on again",
)
def webhook_update(request, webhook_id: Id, payload: WebhookPatch):
    current = _get(request, webhook_id)
    sent = payload.dict(exclude_none=True)
    actions.webhook_update(
        actor=request.user,
        webhook_id=current.pk,
        name=sent.get("name", current.name),
        url=sent.get("url", current.url),
        events=sent.get("events", current.events),
        include_internal=sent.get("include_internal", current.include_internal),
        active=sent.get("active", current.active),
    )
    return webhook_data(_get(request, webhook_id))


@router.delete(
    "/webhooks/{webhook_id}",
    response={204: None, **errors(401, 404, 422)},
    url_name="webhook_delete",
    summary="Delete a webhook and its delivery log",
)
def webhook_delete(request, webhook_id: Id):
    actions.webhook_delete(actor=request.user, webhook_id=webhook_id)
    return Reply(204, None)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response={200: WebhookWithSecretOut, **errors(401, 404, 422)},
    url_name="webhook_rotate_secret",
    summary="Replace the secret (the new one is in this answer only)",
)
def webhook_rotate_secret(request, webhook_id: Id):
    webhook, secret = actions.secret_rotate(actor=request.user, webhook_id=webhook_id)
    return webhook_data(_get(request, webhook.pk), secret)


@router.post(
    "/webhooks/{webhook_id}/ping",
    response={202: DeliveryOut, **errors(401, 404, 422)},
    url_name="webhook_ping",
    summary="Queue a `ping` delivery to test the target",
)
def webhook_ping(request, webhook_id: Id):
    row = actions.ping(actor=request.user, webhook_id=webhook_id)
    return Reply(202, delivery_data(row))


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: DeliveryPage, **errors(401, 404, 422)},
    url_name="webhook_deliveries",
    summary="The delivery log of a webhook, newest first",
)
def webhook_deliveries(request, webhook_id: Id, query: Query[PageQuery]):
    webhook = _get(request, webhook_id)
    check_cursor(query.cursor, ["-id"])
    rows = WebhookDelivery.objects.filter(webhook=webhook).defer("payload")
    page = paginate(rows, order=["-id"], cursor=query.cursor, limit=query.limit)
    return {
        "items": [delivery_data(row) for row in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url(request, page.next_cursor),
    }


@router.get(
    "/webhook-deliveries/{delivery_id}",
    response={200: DeliveryDetailOut, **errors(401, 404, 422)},
    url_name="webhook_delivery_detail",
    summary="One delivery with the payload it sends",
)
def delivery_detail(request, delivery_id: Id):
    row = selectors.deliveries_of(request.user).filter(pk=delivery_id).first()
    if row is None:
        raise NotFound()
    return delivery_data(row, payload=True)


@router.post(
    "/webhook-deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut, **errors(401, 404, 422)},
    url_name="webhook_redeliver",
    summary="Send a delivery's payload again (a new delivery, the same event id)",
)
def delivery_redeliver(request, delivery_id: Id):
    row = actions.redeliver(actor=request.user, delivery_id=delivery_id)
    return Reply(202, delivery_data(row))
