"""The only code that changes webhooks: managers create, edit, rotate the secret, delete,
redeliver and ping. Each write is one transaction, recorded in the configuration audit log
(the secret as "changed", never its value)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.audit.actions import record_change, snapshot
from atiende.audit.models import Action
from atiende.core import clock
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.queries import one_or_none
from atiende.core.sanitize import clean_text

from . import guard, payloads, selectors
from .models import NAME_MAX, URL_MAX, DeliveryStatus, Webhook, WebhookDelivery


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def require_manager(actor: User) -> None:
    if not actor.is_active or not actor.is_manager:
        raise Forbidden(_("Only managers and administrators can manage webhooks."))


def _cleaned(name: str, url: str, events: Iterable[str]) -> tuple[str, str, list[str]]:
    name = clean_text(name or "").replace("\n", " ").strip()
    url = (url or "").strip()
    chosen = list(dict.fromkeys(events or ()))
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("A name is required.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("Keep the name under %(max)d characters.") % {"max": NAME_MAX}]
    if not url:
        errors["url"] = [_("A target URL is required.")]
    elif len(url) > URL_MAX:
        errors["url"] = [_("This URL is too long.")]
    else:
        try:
            guard.check(url)  # resolved now: a clear refusal on save, checked again on sending
        except guard.UnsafeTarget as exc:
            errors.update(exc.errors)
    unknown = [e for e in chosen if e not in payloads.EVENT_TYPES]
    if unknown:
        errors["events"] = [_("Unknown events: %(names)s.") % {"names": ", ".join(unknown)}]
    elif not chosen:
        errors["events"] = [_("Choose at least one event.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return name, url, chosen


def _locked(actor: User, webhook_id: int) -> Webhook:
    """The webhook, locked, if the actor may manage it (selectors: managers only)."""
    found = one_or_none(
        selectors.webhooks_of(actor).select_for_update(of=("self",)).filter(pk=webhook_id)
    )
    if found is None:
        raise NotFound()
    return found


def webhook_create(
    *,
    actor: User,
    name: str,
    url: str,
    events: Iterable[str],
    include_internal: bool = False,
) -> tuple[Webhook, str]:
    """The new webhook and its secret, which is shown this once."""
    require_manager(actor)
    name, url, chosen = _cleaned(name, url, events)
    secret = new_secret()
    with transaction.atomic():
        webhook = Webhook.objects.create(
            name=name,
            url=url,
            secret=secret,
            events=chosen,
            include_internal=bool(include_internal),
            owner=actor,
        )
        record_change(actor=actor, action=Action.CREATED, obj=webhook, after=snapshot(webhook))
    return webhook, secret


def webhook_update(
    *,
    actor: User,
    webhook_id: int,
    name: str,
    url: str,
    events: Iterable[str],
    include_internal: bool,
    active: bool,
) -> Webhook:
    """Edit a webhook. Turning it on again clears its failure count; what was queued while it
    was off goes out then, in order."""
    if not selectors.webhooks_of(actor).filter(pk=webhook_id).exists():
        raise NotFound()  # before checking the fields: denied looks like missing
    name, url, chosen = _cleaned(name, url, events)
    with transaction.atomic():
        webhook = _locked(actor, webhook_id)
        before = snapshot(webhook)
        if active and not webhook.active:
            webhook.consecutive_failures = 0
            webhook.disabled_at = None
            webhook.disabled_reason = ""
        elif not active and webhook.active:
            webhook.disabled_at = clock.now()
            webhook.disabled_reason = "manual"
        webhook.name, webhook.url, webhook.events = name, url, chosen
        webhook.include_internal, webhook.active = bool(include_internal), bool(active)
        webhook.save()
        record_change(actor=actor, action=Action.UPDATED, obj=webhook, before=before)
    return webhook


def secret_rotate(*, actor: User, webhook_id: int) -> tuple[Webhook, str]:
    """A new secret, effective for the next attempt; shown this once."""
    with transaction.atomic():
        webhook = _locked(actor, webhook_id)
        before = snapshot(webhook)
        webhook.secret = new_secret()
        webhook.save(update_fields=["secret", "updated_at"])
        record_change(actor=actor, action=Action.UPDATED, obj=webhook, before=before)
    return webhook, webhook.secret


def webhook_delete(*, actor: User, webhook_id: int) -> None:
    with transaction.atomic():
        webhook = _locked(actor, webhook_id)
        record_change(actor=actor, action=Action.DELETED, obj=webhook, before=snapshot(webhook))
        webhook.delete()


def redeliver(*, actor: User, delivery_id: int) -> WebhookDelivery:
    """Queue the same payload again (same event id, a new delivery id), now."""
    original = one_or_none(selectors.deliveries_of(actor).filter(pk=delivery_id))
    if original is None:
        raise NotFound()
    now = clock.now()
    with transaction.atomic():
        return WebhookDelivery.objects.create(
            webhook_id=original.webhook_id,
            event_id=original.event_id,
            event_type=original.event_type,
            ticket_id=original.ticket_id,
            payload=original.payload,
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
            redelivery_of=original,
        )


def ping(*, actor: User, webhook_id: int) -> WebhookDelivery:
    """Queue a `ping` delivery (no ticket) to test the target."""
    webhook = one_or_none(selectors.webhooks_of(actor).filter(pk=webhook_id))
    if webhook is None:
        raise NotFound()
    now = clock.now()
    payload = payloads.envelope(
        payloads.PING,
        occurred_at=now,
        ticket=None,
        actor=actor,
        data={"webhook": {"id": webhook.pk, "name": webhook.name}},
    )
    with transaction.atomic():
        return WebhookDelivery.objects.create(
            webhook=webhook,
            event_id=uuid.UUID(payload["id"]),
            event_type=payloads.PING,
            payload=payload,
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
