"""Risk scoring: pure arithmetic over the answered weights and the configured thresholds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LOW = "low"
MEDIUM = "medium"
HIGH = "high"


@dataclass(frozen=True)
class Reason:
    """One answer that contributed to the score (weight > 0)."""

    question: str
    answer: str
    weight: int


def score(weights: Iterable[int]) -> int:
    return sum(int(w) for w in weights)


def level(total: int, *, medium_from: int, high_from: int) -> str:
    """The risk level of a score. Thresholds are inclusive lower bounds; a high threshold
    below the medium one wins (a score at or above it is high)."""
    if total >= high_from:
        return HIGH
    if total >= medium_from:
        return MEDIUM
    return LOW


def reasons(answers: Iterable[tuple[str, str, int]]) -> list[Reason]:
    """The answers that raised the risk, heaviest first (ties keep questionnaire order)."""
    contributing = [Reason(q, a, int(w)) for q, a, w in answers if int(w) > 0]
    return sorted(contributing, key=lambda r: -r.weight)
