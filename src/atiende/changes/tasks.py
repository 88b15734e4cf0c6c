"""The approvals' periodic job (core/background.py, PERIODIC_JOBS): reminders of approvals
pending for long. Idempotent: each approval is reminded at most once a day."""

from __future__ import annotations

from celery import shared_task

from .actions import approval_reminders_send

BATCH = 500


@shared_task(name="atiende.changes.approval_reminders", ignore_result=True)
def approval_reminders() -> int:
    total = 0
    while (count := approval_reminders_send(limit=BATCH)) > 0:
        total += count
        if count < BATCH:
            break
    return total
