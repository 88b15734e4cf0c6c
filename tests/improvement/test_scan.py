"""The daily scan: what it finds, that it is idempotent, that handled trends stay handled,
and that it is a few grouped queries whatever the number of incidents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.improvement import actions
from atiende.improvement.models import Dimension, Trend, TrendStatus
from atiende.improvement.tasks import trends_scan

from ..cmdb.factories import ItemFactory, ServiceFactory
from ..factories import CategoryFactory
from .conftest import NOW, incidents_on

pytestmark = pytest.mark.django_db

BASELINE_DAYS = range(8, 36)  # one a day over the 28 days before the window
SPIKE = [1, 2, 3, 4, 5] * 4  # 20 in the window, all in its last five days


@pytest.fixture
def history(requester, desk_default_team, settings_utc):
    spiking = CategoryFactory(name="Printers")
    steady = CategoryFactory(name="Laptops")
    service = ServiceFactory(name="Payroll")
    server = ItemFactory(name="srv-01")
    incidents_on(requester, [*BASELINE_DAYS, *SPIKE], category=spiking)
    incidents_on(requester, [*BASELINE_DAYS, 1, 3, 5, 7], category=steady)
    incidents_on(requester, [1, 2, 2, 3, 4, 6], item=service)  # new: no history
    incidents_on(requester, [1, 2, 3], item=server)  # below the minimum count
    incidents_on(requester, [1, 2, 3, 4, 5, 6, 7, 1, 2], kind="request", category=steady)
    return {"spiking": spiking, "steady": steady, "service": service, "server": server}


def test_the_scan_finds_the_spike_and_the_new_service_only(history):
    result = actions.trends_record(now=NOW)
    assert result.created == 2
    found = {(t.dimension, t.key): t for t in Trend.objects.all()}
    assert set(found) == {
        (Dimension.CATEGORY, history["spiking"].pk),
        (Dimension.SERVICE, history["service"].pk),
    }
    printers = found[(Dimension.CATEGORY, history["spiking"].pk)]
    assert (printers.observed, printers.expected, printers.label) == (20, 7.0, "Printers")
    assert printers.status == TrendStatus.NEW
    assert printers.window_end - printers.window_start == timedelta(days=7)
    assert printers.window_end.date().isoformat() == "2026-03-10"


def test_running_twice_a_day_creates_no_duplicates(history):
    actions.trends_record(now=NOW)
    again = actions.trends_record(now=NOW + timedelta(hours=6))
    assert (again.created, again.updated) == (0, 0)
    assert Trend.objects.count() == 2
    assert trends_scan() is not None  # the Celery task runs the same thing (at today's date)


def test_an_acknowledged_trend_is_updated_not_duplicated(history, agent, settings):
    settings.TIME_ZONE = "UTC"
    actions.trends_record(now=NOW)
    trend = Trend.objects.get(dimension=Dimension.CATEGORY)
    trend.status = TrendStatus.ACKNOWLEDGED
    trend.save()
    result = actions.trends_record(now=NOW + timedelta(days=1))
    assert result.created == 0 and result.updated >= 1
    assert Trend.objects.filter(dimension=Dimension.CATEGORY).count() == 1
    trend.refresh_from_db()
    assert trend.status == TrendStatus.ACKNOWLEDGED
    assert trend.window_end.date().isoformat() == "2026-03-11"


def test_a_dismissed_trend_is_not_raised_again_within_a_window(history, agent):
    actions.trends_record(now=NOW)
    trend = Trend.objects.get(dimension=Dimension.CATEGORY)
    actions.trend_dismiss(actor=agent, trend_id=trend.pk, reason="Printer fleet swap")
    assert actions.trends_record(now=NOW).created == 0
    assert Trend.objects.filter(dimension=Dimension.CATEGORY).count() == 1


def test_the_scan_is_a_few_grouped_queries(history):
    with CaptureQueriesContext(connection) as captured:
        result = actions.trends_record(now=NOW)
    statements = [
        q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()
    ]
    # Two grouped counts (categories, services and CIs), the names of the keys that pass,
    # the trends waiting and those handled, then one INSERT per new trend: nothing per
    # incident (the history holds 97 of them).
    assert len(statements) == 6 + result.created, statements
    grouped = [sql for sql in statements if "GROUP BY" in sql]
    assert len(grouped) == 2


def test_the_database_refuses_a_second_waiting_trend_for_a_key(history):
    """What makes two scans at once safe: the second INSERT fails (and is skipped in its
    savepoint) instead of duplicating the trend."""
    from django.db import IntegrityError, transaction

    actions.trends_record(now=NOW)
    trend = Trend.objects.get(dimension=Dimension.CATEGORY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Trend.objects.create(
            dimension=trend.dimension, key=trend.key, label="again", window_start=trend.window_start,
            window_end=trend.window_end, window_days=7, observed=1, expected=1.0, score=0.0,
            detected_at=NOW, updated_at=NOW,
        )  # fmt: skip
    trend.status = TrendStatus.DISMISSED  # a handled trend no longer blocks a new one
    trend.save()
    Trend.objects.create(
        dimension=trend.dimension, key=trend.key, label="again", window_start=trend.window_start,
        window_end=trend.window_end, window_days=7, observed=1, expected=1.0, score=0.0,
        detected_at=NOW, updated_at=NOW,
    )  # fmt: skip
