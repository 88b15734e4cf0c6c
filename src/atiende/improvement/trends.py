"""Emerging trends: the statistical rule (pure functions) and the grouped counts it reads.

The rule (docs/improvement.md has the reasoning and the false-positive figures):

- For each category, service and CI, count the incidents created in the last
  `WINDOW_DAYS` complete days (the window, ending at today's midnight in the desk's time
  zone) and in the `BASELINE_DAYS` before it (the baseline).
- Expected count in the window: the baseline's daily mean times the window's length,
  never less than `EXPECTED_FLOOR` (a category with no history is compared with a small
  prior, not with zero, which would make any incident infinitely surprising).
- Under "nothing changed" the window's count is Poisson with that mean. The key is a trend
  when all three hold:
    observed >= MIN_COUNT                    (1 -> 3 is not a trend)
    observed >= MIN_RATIO x expected         (a big desk's +5 % is significant, not useful)
    P(X >= observed | expected) <= ALPHA     (the Poisson upper control limit)
- Its score is -log10 of that probability: 3 is "one in a thousand", higher is stranger.

Counting is a few grouped queries over the window (one per dimension: GROUP BY the key with
the window's and the baseline's counts side by side), never work per ticket.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from atiende.cmdb.models import SERVICE_CLASSES, ConfigurationItem, TicketItem
from atiende.tickets.models import Category, Kind, Ticket

from .models import Dimension

WINDOW_DAYS = 7
BASELINE_DAYS = 28
MIN_COUNT = 5
MIN_RATIO = 1.5
ALPHA = 0.001
EXPECTED_FLOOR = 0.25  # about one incident a month
SCORE_CAP = 300.0


@dataclass(frozen=True)
class Verdict:
    observed: int
    expected: float
    score: float  # -log10 P(X >= observed | expected)
    is_trend: bool


def poisson_tail_log10(k: int, lam: float) -> float:
    """log10 of P(X >= k) for X ~ Poisson(lam), without underflow for large k."""
    if k <= 0:
        return 0.0
    if lam <= 0:
        return -math.inf
    log_pmf = k * math.log(lam) - lam - math.lgamma(k + 1)
    if k > lam:
        # Sum the upper tail from k: each term is the previous times lam / (j + 1) < 1.
        total, term, j = 1.0, 1.0, k
        while term > 1e-17 * total:
            term *= lam / (j + 1)
            total += term
            j += 1
        return (log_pmf + math.log(total)) / math.log(10)
    # k <= lam: 1 - P(X <= k - 1), the lower part summed downwards from k - 1.
    below, term, j = 0.0, math.exp(log_pmf) * k / lam, k - 1  # pmf(k - 1)
    while j >= 0 and term > 1e-17 * max(below, 1e-300):
        below += term
        term *= j / lam
        j -= 1
    return math.log10(max(1.0 - below, 1e-300))


def evaluate(
    observed: int,
    baseline_count: int,
    *,
    window_days: int = WINDOW_DAYS,
    baseline_days: int = BASELINE_DAYS,
) -> Verdict:
    """Whether `observed` incidents in the window are a trend against `baseline_count`
    incidents in the baseline period (the rule in the module's docstring)."""
    expected = max(baseline_count * window_days / baseline_days, EXPECTED_FLOOR)
    score = min(-poisson_tail_log10(observed, expected), SCORE_CAP)
    is_trend = (
        observed >= MIN_COUNT
        and observed >= MIN_RATIO * expected
        and score >= -math.log10(ALPHA) - 1e-9
    )
    return Verdict(observed=observed, expected=expected, score=round(score, 3), is_trend=is_trend)


@dataclass(frozen=True)
class Windows:
    baseline_start: datetime
    window_start: datetime
    window_end: datetime


def windows_at(now: datetime) -> Windows:
    """The window (the last complete days) and its baseline, at `now`: today's midnight in the
    desk's time zone ends the window, so every run on the same day sees the same counts."""
    zone = timezone.get_default_timezone()
    today = timezone.localtime(now, zone).date()
    end = datetime.combine(today, time.min, tzinfo=zone)
    start = datetime.combine(today - timedelta(days=WINDOW_DAYS), time.min, tzinfo=zone)
    base = datetime.combine(
        today - timedelta(days=WINDOW_DAYS + BASELINE_DAYS), time.min, tzinfo=zone
    )
    return Windows(baseline_start=base, window_start=start, window_end=end)


@dataclass(frozen=True)
class Candidate:
    dimension: str
    key: int
    label: str
    verdict: Verdict


def _category_counts(w: Windows) -> list[dict]:
    return list(
        Ticket.objects.filter(
            kind=Kind.INCIDENT,
            category__isnull=False,
            created_at__gte=w.baseline_start,
            created_at__lt=w.window_end,
        )
        .values("category_id")
        .annotate(
            recent=Count("pk", filter=Q(created_at__gte=w.window_start)),
            base=Count("pk", filter=Q(created_at__lt=w.window_start)),
        )
        .filter(recent__gte=MIN_COUNT)
        .order_by()
    )


def _item_counts(w: Windows) -> list[dict]:
    return list(
        TicketItem.objects.filter(
            ticket__kind=Kind.INCIDENT,
            ticket__created_at__gte=w.baseline_start,
            ticket__created_at__lt=w.window_end,
        )
        .values("item_id")
        .annotate(
            recent=Count("ticket_id", filter=Q(ticket__created_at__gte=w.window_start)),
            base=Count("ticket_id", filter=Q(ticket__created_at__lt=w.window_start)),
        )
        .filter(recent__gte=MIN_COUNT)
        .order_by()
    )


def detect(now: datetime) -> tuple[Windows, list[Candidate]]:
    """Every category, service and CI whose recent incidents make a trend, at `now`: two
    grouped counts, then the names of the few keys that pass (two small queries)."""
    w = windows_at(now)
    found: list[Candidate] = []
    categories = _category_counts(w)
    trending = {
        row["category_id"]: verdict
        for row in categories
        if (verdict := evaluate(row["recent"], row["base"])).is_trend
    }
    if trending:
        names = dict(Category.objects.filter(pk__in=trending).values_list("pk", "name"))
        found += [
            Candidate(Dimension.CATEGORY, key, names.get(key, str(key)), verdict)
            for key, verdict in trending.items()
        ]
    items = _item_counts(w)
    trending = {
        row["item_id"]: verdict
        for row in items
        if (verdict := evaluate(row["recent"], row["base"])).is_trend
    }
    if trending:
        rows = ConfigurationItem.objects.filter(pk__in=trending).values_list(
            "pk", "name", "ci_class"
        )
        for pk, name, ci_class in rows:
            dimension = Dimension.SERVICE if ci_class in SERVICE_CLASSES else Dimension.CI
            found.append(Candidate(dimension, pk, name, trending[pk]))
    found.sort(key=lambda c: (-c.verdict.score, c.dimension, c.key))
    return w, found
