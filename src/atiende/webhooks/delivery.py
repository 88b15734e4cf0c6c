"""The delivery worker: claim due deliveries, POST them signed, record the answer, retry
with exponential backoff and jitter, and disable a webhook that keeps failing.

Several workers may run at once. A claim moves `next_attempt_at` to the end of a lease in
one transaction: on PostgreSQL the candidates are read `FOR UPDATE SKIP LOCKED` (workers
never wait for each other), on SQLite the write transaction is `BEGIN IMMEDIATE`, so the
read and the conditional update cannot interleave with another worker's. A worker that dies
mid-delivery loses its lease and the delivery is tried again.

Per ticket and webhook, deliveries go out in order: one is claimable only when no earlier
one of the same ticket is still queued (pending, or failed and waiting for its retry).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import urllib3
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _

from atiende.core import clock
from atiende.notifications.actions import notify

from . import guard
from .models import EXCERPT_MAX, QUEUED, DeliveryStatus, Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

READ_LIMIT = 64 * 1024  # of a receiver's answer; the rest is not read (connection closed)
USER_AGENT = "Atiende-Webhooks/1"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def lease() -> timedelta:
    return timedelta(seconds=2 * float(_setting("WEBHOOK_TIMEOUT_SECONDS", 10)) + 30)


def backoff(attempts: int) -> timedelta:
    """The wait after failed attempt number `attempts` (1, 2, ...): base * 2^(n-1), capped,
    with jitter (a random half of it) so receivers coming back are not hit all at once."""
    base = float(_setting("WEBHOOK_RETRY_BASE_SECONDS", 30))
    cap = float(_setting("WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600))
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))


# --- Signing ------------------------------------------------------------------------------


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the webhook's secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


# --- Sending ------------------------------------------------------------------------------

_pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = {}
_pools_lock = threading.Lock()


def _pool(target: guard.Target) -> urllib3.HTTPConnectionPool:
    """A keep-alive pool to the checked address (never the name: no second resolution)."""
    key = (target.scheme, target.address, target.port, target.host)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            if target.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    target.address,
                    target.port,
                    maxsize=4,
                    cert_reqs="CERT_REQUIRED",
                    server_hostname=target.host,
                    assert_hostname=target.host,
                )
            else:
                pool = urllib3.HTTPConnectionPool(target.address, target.port, maxsize=4)
            _pools[key] = pool
    return pool


def close_pools() -> None:
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


@dataclass
class Outcome:
    ok: bool
    code: int | None = None
    excerpt: str = ""
    error: str = ""
    duration_ms: int = 0


def send(webhook: Webhook, delivery: WebhookDelivery) -> Outcome:
    """POST one delivery. Never raises: a refusal, a timeout or an error is an Outcome."""
    started = time.monotonic()
    try:
        target = guard.check(webhook.url)
    except guard.UnsafeTarget as exc:
        return Outcome(ok=False, error=exc.first_message()[:300])
    body = body_of(delivery.payload)
    timestamp = str(int(time.time()))
    host = target.host if ":" not in target.host else f"[{target.host}]"
    default_port = 443 if target.scheme == "https" else 80
    headers = {
        "Host": host if target.port == default_port else f"{host}:{target.port}",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Atiende-Event": delivery.event_type,
        "X-Atiende-Delivery": str(delivery.pk),
        "X-Atiende-Timestamp": timestamp,
        "X-Atiende-Signature": signature(webhook.secret, timestamp, body),
    }
    seconds = float(_setting("WEBHOOK_TIMEOUT_SECONDS", 10))
    timeout = urllib3.Timeout(connect=min(seconds, 5.0), read=seconds)
    try:
        response = _pool(target).urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            retries=False,
            redirect=False,
            timeout=timeout,
            preload_content=False,
            assert_same_host=False,
        )
    except Exception as exc:
        error = type(exc).__name__
        if isinstance(exc, urllib3.exceptions.TimeoutError):
            error = _("No answer within %(seconds)s s.") % {"seconds": f"{seconds:g}"}
        return Outcome(ok=False, error=error[:300], duration_ms=_ms(started))
    try:
        raw = response.read(READ_LIMIT)
        complete = response.read(1) == b""
    except Exception:
        raw, complete = b"", False
    if complete:
        response.release_conn()
    else:
        response.close()  # a huge answer: do not read on, do not reuse the connection
    code = response.status
    excerpt = raw[:EXCERPT_MAX].decode("utf-8", "replace")[: EXCERPT_MAX // 2]
    outcome = Outcome(ok=200 <= code < 300, code=code, excerpt=excerpt, duration_ms=_ms(started))
    if 300 <= code < 400:
        location = str(response.headers.get("Location", ""))[:200]
        outcome.error = _("Redirects are not followed (to %(location)s).") % {
            "location": location or "?"
        }
    return outcome


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


# --- Claiming -----------------------------------------------------------------------------


def _due_queryset():
    now = clock.now()
    earlier = WebhookDelivery.objects.filter(
        webhook_id=OuterRef("webhook_id"),
        ticket_id=OuterRef("ticket_id"),
        status__in=QUEUED,
        id__lt=OuterRef("id"),
    )
    return (
        WebhookDelivery.objects.filter(
            status__in=QUEUED, next_attempt_at__lte=now, webhook__active=True
        )
        .exclude(Exists(earlier))
        .order_by("next_attempt_at", "id")
    ), now


def claim(batch: int = 50, *, delivery_id: int | None = None) -> list[WebhookDelivery]:
    """Take up to `batch` due deliveries for this worker (its lease starts now)."""
    due, now = _due_queryset()
    if delivery_id is not None:
        due = due.filter(pk=delivery_id)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due.select_related("webhook")[:batch])
        if not rows:
            return []
        until = now + lease()
        ids = [row.pk for row in rows]
        claimed = WebhookDelivery.objects.filter(
            pk__in=ids, status__in=QUEUED, next_attempt_at__lte=now
        ).update(next_attempt_at=until, attempts=F("attempts") + 1, last_attempt_at=now)
        if claimed != len(ids):  # cannot happen under the locks above; never send twice
            logger.warning("webhook claim raced", extra={"ids": ids})
            return []
    hooks: dict[int, Webhook] = {}
    for row in rows:
        row.webhook = hooks.setdefault(row.webhook_id, row.webhook)  # one object per webhook
        row.attempts += 1
        row.next_attempt_at, row.last_attempt_at = until, now
    return rows


def release(row: WebhookDelivery) -> None:
    """Give a claimed delivery back unsent: as it was before the claim."""
    WebhookDelivery.objects.filter(pk=row.pk, next_attempt_at=row.next_attempt_at).update(
        next_attempt_at=clock.now(), attempts=F("attempts") - 1
    )


# --- Recording ----------------------------------------------------------------------------


def record(delivery: WebhookDelivery, outcome: Outcome) -> bool:
    """Store an attempt's outcome; on failure schedule the retry (or give up) and count the
    webhook's consecutive failures, disabling it (owner told) at the limit. True when this
    attempt disabled the webhook."""
    now = clock.now()
    delivery.response_code = outcome.code
    delivery.response_excerpt = outcome.excerpt
    delivery.error = outcome.error
    delivery.duration_ms = outcome.duration_ms
    fields = [
        "status",
        "next_attempt_at",
        "response_code",
        "response_excerpt",
        "error",
        "duration_ms",
    ]
    webhook = delivery.webhook
    if outcome.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = now
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            delivered_at=now, **{f: getattr(delivery, f) for f in fields}
        )
        if webhook.consecutive_failures:
            Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=0)
            webhook.consecutive_failures = 0
        return False
    max_attempts = int(_setting("WEBHOOK_MAX_ATTEMPTS", 8))
    if delivery.attempts >= max_attempts:
        delivery.status = DeliveryStatus.GAVE_UP
        delivery.next_attempt_at = now
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    with transaction.atomic(savepoint=False):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            **{f: getattr(delivery, f) for f in fields}
        )
        if delivery.event_type == "ping":
            return False  # a test ping tells the manager at once; it does not count
        Webhook.objects.filter(pk=webhook.pk).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        return _disable_if_failing(webhook.pk, now)


def _disable_if_failing(webhook_id: int, now) -> bool:
    limit = int(_setting("WEBHOOK_DISABLE_AFTER", 15))
    webhook = Webhook.objects.select_for_update().filter(pk=webhook_id).first()
    if webhook is None or not webhook.active or webhook.consecutive_failures < limit:
        return False
    webhook.active = False
    webhook.disabled_at = now
    webhook.disabled_reason = "failures"  # shown translated (views)
    webhook.save(update_fields=["active", "disabled_at", "disabled_reason", "updated_at"])
    notify(
        user_ids=[webhook.owner_id],
        verb="webhook_disabled",
        params={"name": webhook.name, "count": webhook.consecutive_failures},
    )
    logger.warning("webhook disabled", extra={"webhook": webhook.pk})
    return True


# --- The loop -----------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    delivered: int = 0
    failed: int = 0
    gave_up: int = 0
    ids: list[int] = field(default_factory=list)
    disabled: set[int] = field(default_factory=set)  # webhooks disabled during this pass

    def as_dict(self) -> dict[str, int]:
        return {"delivered": self.delivered, "failed": self.failed, "gave_up": self.gave_up}


def deliver_due(*, batch: int = 50, budget_seconds: float | None = None) -> DeliveryResult:
    """Deliver what is due until nothing is left or the time budget is spent."""
    budget = float(
        _setting("WEBHOOK_PASS_SECONDS", 20) if budget_seconds is None else budget_seconds
    )
    deadline = time.monotonic() + budget
    result = DeliveryResult()
    while time.monotonic() < deadline:
        rows = claim(batch)
        if not rows:
            break
        # The batch's outcomes are written in one transaction (one commit, not one per
        # delivery). A worker dying before it loses them: those deliveries are sent again
        # when their lease ends, which receivers handle by the event id (at least once).
        outcomes = [(row, _send_unless_disabled(row, result)) for row in rows]
        try:
            with transaction.atomic():
                for row, outcome in outcomes:
                    _record(row, outcome, result, savepoint=False)
        except Exception:  # their leases run out and they are tried again
            logger.exception("webhook outcomes not recorded", extra={"ids": [r.pk for r in rows]})
    return result


def deliver_one(delivery_id: int) -> WebhookDelivery | None:
    """Try one delivery now if it is due and claimable (a test ping from the UI)."""
    rows = claim(1, delivery_id=delivery_id)
    if not rows:
        return None
    result = DeliveryResult()
    _record(rows[0], _send_unless_disabled(rows[0], result), result)
    return rows[0]


def _send_unless_disabled(row: WebhookDelivery, result: DeliveryResult) -> Outcome | None:
    """Send, unless a failure earlier in this pass disabled the row's webhook (None)."""
    if row.webhook_id in result.disabled:
        return None
    outcome = send(row.webhook, row)
    if not outcome.ok and row.event_type != "ping":
        # Count this failure now so that later rows of the batch see the limit.
        row.webhook.consecutive_failures += 1
        limit = int(_setting("WEBHOOK_DISABLE_AFTER", 15))
        if row.webhook.consecutive_failures >= limit:
            result.disabled.add(row.webhook_id)
    return outcome


def _record(
    row: WebhookDelivery, outcome: Outcome | None, result: DeliveryResult, *, savepoint: bool = True
) -> None:
    """Record one outcome. Inside a batch's transaction (`savepoint=False`) an error aborts
    the whole batch's recording (deliver_due logs it); alone, only this one."""
    if outcome is None:
        release(row)  # claimed in the same batch as the failure that disabled its webhook
        return
    try:
        with transaction.atomic(savepoint=savepoint):
            record(row, outcome)
    except Exception:  # the lease runs out and it is tried again
        if not savepoint:
            raise
        logger.exception("webhook delivery not recorded", extra={"delivery": row.pk})
        return
    result.ids.append(row.pk)
    if row.status == DeliveryStatus.DELIVERED:
        result.delivered += 1
    elif row.status == DeliveryStatus.GAVE_UP:
        result.gave_up += 1
    else:
        result.failed += 1
