"""Celery tasks of automation. The scheduler runs `atiende.automation.sweep` every minute
(core/background.py); each time rule acts exactly once per ticket and period however many
workers run it at once (actions.sweep_time_rules)."""

from __future__ import annotations

from celery import shared_task

from .actions import sweep_time_rules


@shared_task(name="atiende.automation.sweep", ignore_result=True)
def automation_sweep() -> dict[str, int]:
    result = sweep_time_rules()
    return {"acted": result.acted, "skipped": result.skipped}
