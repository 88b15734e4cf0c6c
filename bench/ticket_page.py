"""The desk ticket page alone: wall time, a profile, or a fixed number of requests to count
instructions with valgrind (load-independent).

    ATIENDE_DATA_DIR=/data/bench python bench/ticket_page.py --repeat 50
    ATIENDE_DATA_DIR=/data/bench python bench/ticket_page.py --profile 50
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p \\
        python bench/ticket_page.py --requests 20   # and again with --requests 0

Per-request instructions: (I(N) - I(0)) / N, both after the same warm-up requests, so start-up
and first-request costs cancel. The tickets are bench/run.py's sample: visible to bench-agent,
spread over the whole history, visited in turn. Reads only (opening a ticket marks the agent's
notifications about it read: a write only when there are some).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from atiende.accounts.models import User  # noqa: E402
from atiende.tickets import selectors  # noqa: E402
from atiende.tickets.models import Ticket  # noqa: E402

WARM_UP = 5


def sample(agent: User) -> list[str]:
    visible = selectors.tickets_visible_to(agent).order_by("id")
    count = Ticket.objects.count()
    ids = list(visible.values_list("id", flat=True)[:: max(1, count // 2000)])
    step = max(1, len(ids) // 64)
    return list(Ticket.objects.filter(id__in=ids[::step]).values_list("number", flat=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=0, help="timed requests (median, p95)")
    parser.add_argument("--requests", type=int, default=-1, help="untimed requests (valgrind)")
    parser.add_argument("--profile", type=int, default=0, help="cProfile over N requests")
    parser.add_argument("--tree", type=int, default=0, help="pyinstrument over N requests")
    parser.add_argument("--templates", type=int, default=0, help="time per template, N requests")
    parser.add_argument("--queries", action="store_true", help="print one page's SQL")
    args = parser.parse_args()

    agent = User.objects.get(username="bench-agent")
    numbers = sample(agent)
    client = Client()
    client.force_login(agent)

    def get(i: int) -> None:
        response = client.get(f"/desk/tickets/{numbers[i % len(numbers)]}/")
        assert response.status_code == 200, response.status_code

    for i in range(WARM_UP):
        get(len(numbers) - 1 - i)
    if args.queries:
        with CaptureQueriesContext(connection) as captured:
            get(0)
        for query in captured.captured_queries:
            print(
                f"{query['time']:>6}  {query['sql'][: 400 if not os.environ.get('FULL_SQL') else None]}"
            )
        print(len(captured.captured_queries), "queries")
    if args.requests >= 0:
        for i in range(args.requests):
            get(i)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.profile):
            get(i)
        profiler.disable()
        profiler.dump_stats("/tmp/tp.prof")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        stats.print_callees("panels.py.*\\(load\\)|_render_ticket|ticket_detail")
    if args.templates:
        from collections import defaultdict

        from django.template.base import Template

        spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        stack: list[float] = []
        original = Template._render

        def timed_render(self, context):
            stack.append(0.0)
            started = time.perf_counter()
            try:
                return original(self, context)
            finally:
                took = time.perf_counter() - started
                inner = stack.pop()
                row = spent[self.origin.template_name or "?"]
                row[0] += took
                row[1] += took - inner
                row[2] += 1
                if stack:
                    stack[-1] += took

        Template._render = timed_render
        for i in range(args.templates):
            get(i)
        Template._render = original
        print(f"{'template':<50} {'incl ms':>8} {'self ms':>8} {'calls':>6}  (per request)")
        for name, (incl, own, calls) in sorted(spent.items(), key=lambda kv: -kv[1][1]):
            n = args.templates
            print(f"{name:<50} {incl / n * 1000:8.2f} {own / n * 1000:8.2f} {calls / n:6.1f}")
    if args.tree:
        from pyinstrument import Profiler

        tree = Profiler(interval=0.0002)
        tree.start()
        for i in range(args.tree):
            get(i)
        tree.stop()
        print(tree.output_text(show_all=False))
    if args.repeat:
        samples, cpu = [], []
        for i in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            get(i)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"ticket page: median {statistics.median(samples):.2f} ms, p95 {p95:.2f} ms, "
              f"CPU median {statistics.median(cpu):.2f} ms (this process), "
              f"{len(samples)} requests, {len(numbers)} tickets in turn")  # fmt: skip


if __name__ == "__main__":
    main()
