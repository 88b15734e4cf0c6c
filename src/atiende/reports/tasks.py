"""The reports' periodic jobs (core/background.py, PERIODIC_JOBS): keep the ticket facts
equal to their raw rows. Idempotent: they write values recomputed from the raw rows, never
increments, so running one twice, or on several workers at once, changes nothing more."""

from __future__ import annotations

from celery import shared_task

from .actions import (
    daily_reconcile_slice,
    facts_catch_up,
    facts_reconcile_slice,
    facts_refresh_breaches,
    scheduled_reports_send,
)


@shared_task(name="atiende.reports.catch_up", ignore_result=True)
def reports_catch_up() -> int:
    """Recompute the facts of the tickets changed since the last run (PendingFact)."""
    return facts_catch_up()


@shared_task(name="atiende.reports.reconcile", ignore_result=True)
def reports_reconcile() -> dict[str, int]:
    return {
        "breaches": facts_refresh_breaches(),
        "caught_up": facts_catch_up(),
        "reconciled": facts_reconcile_slice(),
        "daily": daily_reconcile_slice(),
    }


@shared_task(name="atiende.reports.send_scheduled", ignore_result=True)
def reports_send_scheduled() -> int:
    """Queue the saved reports' e-mails that are due (weekly, monthly)."""
    return scheduled_reports_send()
