"""The statistical rule on hand-made counts (no database)."""

from __future__ import annotations

import math

import pytest

from atiende.improvement import trends
from atiende.improvement.trends import evaluate, poisson_tail_log10


def test_the_poisson_tail_matches_a_hand_computed_value():
    # P(X >= 3 | 1) = 1 - e^-1 (1 + 1 + 1/2)
    exact = 1 - math.exp(-1) * 2.5
    assert poisson_tail_log10(3, 1.0) == pytest.approx(math.log10(exact), rel=1e-9)
    # Below the mean: P(X >= 2 | 4) = 1 - e^-4 (1 + 4)
    assert poisson_tail_log10(2, 4.0) == pytest.approx(math.log10(1 - 5 * math.exp(-4)), rel=1e-9)
    assert poisson_tail_log10(0, 3.0) == 0.0


def test_the_tail_does_not_underflow_for_large_counts():
    value = poisson_tail_log10(5000, 100.0)
    assert math.isfinite(value) and value < -300


def test_a_spike_is_a_trend():
    # 28 incidents in 28 days (4 expected in a week), 20 this week.
    verdict = evaluate(20, 28)
    assert verdict.expected == pytest.approx(7.0)
    assert verdict.is_trend and verdict.score > 3


def test_a_steady_series_is_not_a_trend():
    # 112 in 28 days = 28 a week; this week 31: ordinary noise.
    verdict = evaluate(31, 112)
    assert not verdict.is_trend
    assert verdict.score < 1


def test_the_minimum_count_is_respected():
    # 1 a month before, 3 this week: not a trend.
    assert not evaluate(3, 1).is_trend
    # 4 with no history is past the Poisson limit, but under the minimum count.
    verdict = evaluate(trends.MIN_COUNT - 1, 0)
    assert verdict.score > -math.log10(trends.ALPHA)
    assert not verdict.is_trend
    assert evaluate(trends.MIN_COUNT, 0).is_trend


def test_a_new_category_with_no_history():
    # Nothing in the baseline: compared with the floor, not with zero.
    assert evaluate(0, 0).expected == trends.EXPECTED_FLOOR
    assert evaluate(trends.MIN_COUNT, 0).is_trend
    assert not evaluate(trends.MIN_COUNT - 1, 0).is_trend


def test_a_significant_but_small_increase_on_a_big_desk_is_not_a_trend():
    # 4,000 a month (1,000 a week), 1,200 this week: p is tiny, the ratio only 1.2.
    verdict = evaluate(1200, 4000)
    assert verdict.score > 6
    assert not verdict.is_trend
