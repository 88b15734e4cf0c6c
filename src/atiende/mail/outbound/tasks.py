"""Celery task of the outbox. The scheduler runs `atiende.mail.deliver` every
ATIENDE_MAIL_DELIVER_SECONDS (default 15); in the embedded mode the same task runs in-process.
Idempotent and safe in parallel: each message is claimed once (see delivery.py)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from .delivery import deliver_due


@shared_task(name="atiende.mail.deliver", ignore_result=True)
def deliver_outbox() -> dict[str, Any]:
    return deliver_due().as_dict()
