"""Celery tasks of automation. The scheduler runs `atiende.automation.sweep` every minute
(core/background.py); each time rule acts exactly once per ticket and period however many
workers run it at once (actions.sweep_time_rules)."""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from django.conf import settings
from django.db import connection, connections

from .actions import sweep_time_rules

logger = logging.getLogger(__name__)


@shared_task(name="atiende.automation.sweep", ignore_result=True)
def automation_sweep() -> dict[str, int]:
    """The periodic sweep, shared on PostgreSQL by AUTOMATION_SWEEPERS sweeps that split the
    due tickets, each passing over those another holds (actions._run_batch), so a sweep of
    thousands finishes in a fraction of the time (docs/performance.md, "Time rules on
    1,000,000 tickets"): on workers (a broker) it sends the others (`automation_sweep_part`)
    to the workers' other slots; inline (the embedded runner) they are threads of this
    process with their own connections, whose database work overlaps. On SQLite (one writer
    at a time) it sweeps alone. Answers the tickets acted on here."""
    sharers = settings.AUTOMATION_SWEEPERS - 1 if connection.vendor == "postgresql" else 0
    if settings.BROKER_URL:
        for _ in range(sharers):
            automation_sweep_part.delay()
        return automation_sweep_part()
    shares: list[dict[str, int]] = []
    threads = [threading.Thread(target=_share, args=(shares,)) for _ in range(sharers)]
    for thread in threads:
        thread.start()
    try:
        shares.append(automation_sweep_part())
    finally:
        for thread in threads:
            thread.join()
    return {name: sum(share[name] for share in shares) for name in ("acted", "skipped")}


def _share(shares: list[dict[str, int]]) -> None:
    """One inline sharer: its sweep, then its thread's connections closed."""
    try:
        shares.append(automation_sweep_part())
    except Exception:  # as a failed job: logged, the next sweep takes what is left
        logger.exception("a time-rule sweeper failed")
    finally:
        connections.close_all()


@shared_task(name="atiende.automation.sweep_part", ignore_result=True, expires=60)
def automation_sweep_part() -> dict[str, int]:
    """One worker's share of a sweep: the whole sweep, sharing the tickets with the others."""
    result = sweep_time_rules()
    return {"acted": result.acted, "skipped": result.skipped}
