"""Priority from the impact x urgency matrix (configurable; ITIL default below)."""

from __future__ import annotations

from django.core.cache import cache

from .models import PriorityRule

# ITIL's usual matrix: priority = impact + urgency - 1 (1 critical ... 5 planning).
DEFAULT_MATRIX: dict[tuple[int, int], int] = {
    (impact, urgency): impact + urgency - 1 for impact in (1, 2, 3) for urgency in (1, 2, 3)
}
CACHE_KEY = "atiende:priority-matrix"


def matrix() -> dict[tuple[int, int], int]:
    cached = cache.get(CACHE_KEY)
    if cached is None:
        cached = dict(DEFAULT_MATRIX)
        for impact, urgency, prio in PriorityRule.objects.values_list(
            "impact", "urgency", "priority"
        ):
            cached[(impact, urgency)] = prio
        cache.set(CACHE_KEY, cached, 300)
    return cached


def compute_priority(impact: int, urgency: int) -> int:
    return matrix()[(impact, urgency)]


def invalidate() -> None:
    cache.delete(CACHE_KEY)
