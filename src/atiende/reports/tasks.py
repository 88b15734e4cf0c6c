"""The reports' periodic job (core/background.py, PERIODIC_JOBS): keeps the ticket facts
equal to their raw rows. Idempotent: it writes values recomputed from the raw rows, never
increments, so running it twice, or on several workers at once, changes nothing more."""

from __future__ import annotations

from celery import shared_task

from .actions import (
    daily_reconcile_slice,
    facts_reconcile_slice,
    facts_refresh_breaches,
    scheduled_reports_send,
)


@shared_task(name="atiende.reports.reconcile", ignore_result=True)
def reports_reconcile() -> dict[str, int]:
    return {
        "breaches": facts_refresh_breaches(),
        "reconciled": facts_reconcile_slice(),
        "daily": daily_reconcile_slice(),
    }


@shared_task(name="atiende.reports.send_scheduled", ignore_result=True)
def reports_send_scheduled() -> int:
    """Queue the saved reports' e-mails that are due (weekly, monthly)."""
    return scheduled_reports_send()
