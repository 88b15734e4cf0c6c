"""12-month duration reports (median, p90) on data made by bench/generate.py, timed by wall
clock and by the process's CPU (`time.process_time`: on SQLite the database's work is in it,
so a loaded machine's queue for a core is not), median of 5, for bench-manager and
bench-agent. The period ends now, so its ragged ends read the facts.

    ATIENDE_DATA_DIR=… python bench/report_durations.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django

django.setup()

from atiende.accounts.models import User  # noqa: E402
from atiende.core import clock  # noqa: E402
from atiende.reports import selectors  # noqa: E402
from atiende.reports.selectors import Period  # noqa: E402


def main() -> None:
    end = clock.now()
    period = Period(end - timedelta(days=365), end)
    for who in ("bench-manager", "bench-agent"):
        user = User.objects.get(username=who)
        for metric in ("first_response_wall", "resolution_wall"):
            for dim in ("all", "team", "agent", "category", "priority"):
                walls, cpus = [], []
                for _i in range(5):
                    wall, cpu = time.perf_counter(), time.process_time()
                    selectors.report(user, metric=metric, dimension=dim, period=period)
                    walls.append((time.perf_counter() - wall) * 1000)
                    cpus.append((time.process_time() - cpu) * 1000)
                print(f"{who:14} {metric:20} {dim:9} wall {statistics.median(walls):6.0f}"
                      f"  cpu {statistics.median(cpus):6.0f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
