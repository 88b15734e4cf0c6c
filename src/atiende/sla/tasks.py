"""Celery tasks of the SLA domain. The scheduler runs `atiende.sla.sweep` every minute; the
sweep is idempotent and claims each warning and breach exactly once, so overlapping runs and
several workers are safe."""

from __future__ import annotations

from celery import shared_task

from .actions import sweep_due


@shared_task(name="atiende.sla.sweep", ignore_result=True)
def sla_sweep() -> dict[str, int]:
    result = sweep_due()
    return {
        "warned": result.warned,
        "breached": result.breached,
        "escalations": result.escalations,
    }
