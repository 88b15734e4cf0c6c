"""Celery task of webhook delivery. The scheduler runs `atiende.webhooks.deliver` every
ATIENDE_WEBHOOK_DELIVER_SECONDS (default 5); embedded, the same task runs in-process. Safe
with several workers at once: each delivery is claimed by one (delivery.py)."""

from __future__ import annotations

from celery import shared_task

from .delivery import deliver_due


@shared_task(name="atiende.webhooks.deliver", ignore_result=True)
def deliver() -> dict[str, int]:
    return deliver_due().as_dict()
