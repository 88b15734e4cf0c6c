"""Outgoing webhooks: a target URL that receives signed JSON about chosen events, and the
log of every delivery (its attempts, answers and what is still queued). See docs/webhooks.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

NAME_MAX = 120
URL_MAX = 2000
EXCERPT_MAX = 500


class Webhook(models.Model):
    name = models.CharField(_("name"), max_length=NAME_MAX)
    url = models.URLField(_("target URL"), max_length=URL_MAX)
    # The signing key. Kept as it is (HMAC needs it), shown once when made or rotated.
    secret = models.CharField(_("secret"), max_length=100)
    events = models.JSONField(_("events"), default=list)
    # Internal content (internal notes, who they mention) only to targets flagged for it.
    include_internal = models.BooleanField(_("include internal content"), default=False)
    active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        indexes = [models.Index(fields=["active"], name="webhook_active")]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Gave up")


QUEUED = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


class WebhookDelivery(models.Model):
    webhook = models.ForeignKey(
        Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(_("event id"))
    event_type = models.CharField(_("event"), max_length=40)
    # Deliveries for one ticket and webhook go out in order (delivery.py); none for a ping.
    ticket_id = models.BigIntegerField(_("ticket"), null=True, blank=True)
    payload = models.JSONField(_("payload"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus, default=DeliveryStatus.PENDING
    )
    # When it may be tried (again); while a worker holds it, the end of that worker's lease.
    next_attempt_at = models.DateTimeField(_("next attempt"))
    response_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=EXCERPT_MAX, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # The delivery log of one webhook, newest first (keyset on id).
            models.Index(fields=["webhook", "-id"], name="webhook_delivery_log"),
            # The claim: queued deliveries that are due.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="webhook_delivery_due",
                condition=Q(status__in=["pending", "failed"]),
            ),
            # Ordering per ticket: is an earlier delivery of this ticket still queued?
            models.Index(
                fields=["webhook", "ticket_id", "id"],
                name="webhook_delivery_ticket",
                condition=Q(status__in=["pending", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
