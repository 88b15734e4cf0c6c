"""change-metrics reads its dates with the kernel's parser: a date alone is a day in the
caller's time zone; years the calendar cannot hold are a 422, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from ..api.conftest import ApiClient, assert_error


def test_a_date_alone_is_the_start_of_that_day(agent):
    # It used to be compared, naive, with the aware "now": a 500.
    with time_machine.travel(datetime(2026, 12, 15, 12, tzinfo=UTC), tick=False):
        response = ApiClient(agent).get("/change-metrics", {"start": "2026-12-01"})
    assert response.status_code == 200, response.content
    both = ApiClient(agent).get("/change-metrics", {"start": "2026-11-01", "end": "2026-12-01"})
    assert both.status_code == 200, both.content
    same_day = ApiClient(agent).get("/change-metrics", {"start": "2026-12-01", "end": "2026-12-01"})
    assert same_day.status_code == 200, same_day.content  # the end is the end of that day


@pytest.mark.parametrize("field", ["start", "end"])
@pytest.mark.parametrize(
    "value", ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00"]
)
def test_years_out_of_range_are_422(agent, field, value):
    assert_error(ApiClient(agent).get("/change-metrics", {field: value}), 422, field)


def test_a_date_that_is_not_one_is_422(agent):
    assert_error(ApiClient(agent).get("/change-metrics", {"start": "yesterday"}), 422, "start")


def test_the_end_must_follow_the_start(agent):
    response = ApiClient(agent).get("/change-metrics", {"start": "2026-12-02", "end": "2026-12-01"})
    assert_error(response, 422, "end")
