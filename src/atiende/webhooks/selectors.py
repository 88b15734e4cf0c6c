"""Reads of webhooks: administrators see every webhook, a manager their own (a webhook
sends what its owner may see, so nobody else may point it elsewhere)."""

from __future__ import annotations

from django.db.models import QuerySet

from atiende.accounts.models import User

from .models import Webhook, WebhookDelivery

LOG_PAGE = 50


def webhooks_of(actor: User) -> QuerySet[Webhook]:
    if actor is None or not actor.is_authenticated or not actor.is_active or not actor.is_manager:
        return Webhook.objects.none()
    if actor.is_admin:
        return Webhook.objects.all()
    return Webhook.objects.filter(owner=actor)


def deliveries_of(actor: User) -> QuerySet[WebhookDelivery]:
    if actor is None or not actor.is_authenticated or not actor.is_active or not actor.is_manager:
        return WebhookDelivery.objects.none()
    if actor.is_admin:
        return WebhookDelivery.objects.all()
    return WebhookDelivery.objects.filter(webhook__owner=actor)


def webhook_get(actor: User, webhook_id: int) -> Webhook | None:
    return webhooks_of(actor).select_related("owner").filter(pk=webhook_id).first()


def delivery_log(webhook: Webhook, *, before_id: int | None = None) -> list[WebhookDelivery]:
    """The newest deliveries of a webhook (the payload deferred), a page of LOG_PAGE."""
    rows = webhook.deliveries.defer("payload").order_by("-id")
    if before_id is not None:
        rows = rows.filter(id__lt=before_id)
    return list(rows[:LOG_PAGE])
