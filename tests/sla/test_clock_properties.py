"""Properties of the clock bookkeeping (clocks.py) over an 8x5 calendar with Madrid
holidays, in memory: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from atiende.sla import clocks
from atiende.sla.calendar import Calendar, WeeklyHours
from atiende.sla.models import ClockState, SlaClock

CALENDAR = Calendar(
    "Europe/Madrid", WeeklyHours.parse({"mon-fri": "09:00-14:00, 15:00-18:00"}), country="ES"
)
instants = st.integers(0, 365 * 86_400).map(
    lambda s: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=s)
)
minutes = st.integers(1, 5 * 8 * 60)
gaps = st.integers(0, 10 * 86_400).map(lambda s: timedelta(seconds=s))


def new_clock(start: datetime, target: int) -> SlaClock:
    clock = SlaClock(kind="resolution", target_minutes=target, warn_at_percent=75)
    clocks.start(clock, CALENDAR, start)
    return clock


@settings(max_examples=200, deadline=None)
@given(instants, minutes, gaps)
def test_pause_and_resume_at_the_same_instant_changes_nothing(start, target, gap):
    clock = new_clock(start, target)
    before = (clock.deadline, clock.warn_at)
    clocks.pause(clock, CALENDAR, start + gap)
    clocks.resume(clock, CALENDAR, start + gap)
    assert (clock.deadline, clock.warn_at) == before
    assert clock.state == ClockState.RUNNING


@settings(max_examples=200, deadline=None)
@given(instants, minutes, gaps, gaps)
def test_business_time_counted_until_the_deadline_is_the_target(start, target, run, paused):
    clock = new_clock(start, target)
    pause_at = start + run
    clocks.pause(clock, CALENDAR, pause_at)
    clocks.resume(clock, CALENDAR, pause_at + paused)
    if clock.deadline is not None and clock.elapsed < timedelta(minutes=target):
        # Counted before the pause + counted after it up to the deadline = the target.
        counted = clock.elapsed + CALENDAR.business_time_between(pause_at + paused, clock.deadline)
        assert counted == timedelta(minutes=target)
        assert clocks.remaining_at(clock, CALENDAR, clock.deadline) == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(instants, minutes, minutes, gaps)
def test_retarget_keeps_elapsed_time(start, target, new_target, run):
    from atiende.sla.models import SlaPolicy

    clock = new_clock(start, target)
    now = start + run
    elapsed = clocks.elapsed_at(clock, CALENDAR, now)
    clocks.retarget(clock, CALENDAR, now, SlaPolicy(warn_at_percent=75), new_target)
    assert clock.elapsed == elapsed
    assert clocks.elapsed_at(clock, CALENDAR, now) == elapsed
    remaining = timedelta(minutes=new_target) - elapsed
    if remaining > timedelta(0):
        assert clock.deadline == CALENDAR.add_business_time(now, remaining)
    else:
        assert clock.deadline == now  # due at once
