"""Throughput of SLA deadline computation (Calendar.add_business_time), pure Python.

    .venv/bin/python bench/sla_deadlines.py [--calls 200000] [--seed 7]

Scenarios: an 8x5 office calendar with public holidays (Europe/Madrid, Mon-Fri 09:00-17:00,
ES-MD), a split-day calendar (America/Mexico_City, 08:00-14:00 + 15:00-18:00, MX holidays),
24x7 (the shortcut), and 24x7 forced through the general timeline. Starts are random instants
over 2026, targets random from 30 minutes to 5 business days (40 business hours on 8x5,
24 h x 5 on 24x7). One calendar object per scenario, as a server process would keep; the
first call (which builds the timeline) is timed separately. Prints calls per second (best of
--repeat runs, so noise from other processes counts less). Nothing is written to disk.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from atiende.sla import Calendar, WeeklyHours

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_SECONDS = 365 * 86_400


def scenarios() -> list[tuple[str, Calendar, timedelta]]:
    office = WeeklyHours.parse({"mon-fri": "09:00-17:00"})
    split = WeeklyHours.parse({"mon-fri": "08:00-14:00, 15:00-18:00"})
    ancient = datetime(1990, 1, 1, tzinfo=UTC)
    return [
        (
            "8x5 Europe/Madrid + ES-MD holidays",
            Calendar("Europe/Madrid", office, country="ES", subdivision="MD"),
            timedelta(hours=8 * 5),
        ),
        (
            "split day America/Mexico_City + MX holidays",
            Calendar("America/Mexico_City", split, country="MX"),
            timedelta(hours=9 * 5),
        ),
        ("24x7 Europe/Madrid (shortcut)", Calendar.always_open("Europe/Madrid"), timedelta(days=5)),
        (
            "24x7 Europe/Madrid (general timeline)",
            Calendar(
                "Europe/Madrid",
                WeeklyHours.always(),
                closures=((ancient, ancient + timedelta(seconds=1)),),
            ),
            timedelta(days=5),
        ),
    ]


def workload(
    rng: random.Random, calls: int, longest: timedelta
) -> list[tuple[datetime, timedelta]]:
    shortest = 30 * 60
    return [
        (
            YEAR_START + timedelta(seconds=rng.randrange(YEAR_SECONDS)),
            timedelta(seconds=rng.randrange(shortest, int(longest.total_seconds()) + 1)),
        )
        for _ in range(calls)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    print(f"Python {platform.python_version()} on {platform.machine()}, {args.calls} calls")
    print(f"{'scenario':48} {'first call':>12} {'deadlines/s':>14} {'between/s':>12}")
    for name, calendar, longest in scenarios():
        jobs = workload(rng, args.calls, longest)
        started = time.perf_counter()
        calendar.add_business_time(*jobs[0])  # builds the timeline of 2026
        first_call = time.perf_counter() - started
        add = calendar.add_business_time
        between = calendar.business_time_between
        best_add = best_between = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            deadlines = [add(start, duration) for start, duration in jobs]
            best_add = min(best_add, time.perf_counter() - started)
            started = time.perf_counter()
            for (start, _), deadline in zip(jobs, deadlines, strict=True):
                between(start, deadline)
            best_between = min(best_between, time.perf_counter() - started)
        # The figures mean nothing if the answers are wrong: spot-check the round trip.
        for (start, duration), deadline in zip(jobs[:1000], deadlines, strict=False):
            assert between(start, deadline) == duration, (name, start, duration)
        print(
            f"{name:48} {first_call * 1000:9.1f} ms {args.calls / best_add:14,.0f}"
            f" {args.calls / best_between:12,.0f}"
        )


if __name__ == "__main__":
    main()
