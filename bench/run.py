"""Measure server time of the hot paths on the configured database; print a table and append it
to docs/performance.md.

    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_bench \\
        .venv/bin/python bench/run.py --repeat 30

Runs in-process (Django's test Client, or the selector when a page does not exist yet; each
row says which) against data made by bench/generate.py, logged in as bench-agent.
"Server time" is the wall time of one request through the whole Django stack (middleware,
view, queries, template or JSON) without network, median and 95th percentile of --repeat runs
after two warm-up runs. --explain prints the query plan of every query of every scenario.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import corpus  # noqa: E402
from atiende.accounts.actions import api_token_create  # noqa: E402
from atiende.accounts.models import User  # noqa: E402
from atiende.tickets import actions, selectors  # noqa: E402
from atiende.tickets.models import Category, Ticket, TicketEvent  # noqa: E402
from atiende.tickets.selectors import TicketFilters  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
DESK_PAGES = [
    ("desk queue: mine (default view)", "/desk/"),
    ("desk queue: open, my teams", "/desk/?view=open"),
    ("desk queue: unassigned", "/desk/?view=unassigned"),
    ("desk search: impresora", "/desk/?q=impresora"),
]


@dataclass
class Result:
    name: str
    measured: str
    median_ms: float
    p95_ms: float
    queries: int
    rows: str = ""


def timed(fn: Callable[[int], object], repeat: int, budget_s: float = 20.0) -> list[float]:
    """`repeat` timed runs after two warm-ups; a very slow scenario stops after `budget_s`
    (at least 3 runs) so one bad plan cannot hold the whole benchmark for an hour."""
    started_all = time.perf_counter()
    for i in range(2):
        fn(-1 - i)
        if time.perf_counter() - started_all > budget_s:
            break
    samples: list[float] = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
        if len(samples) >= 3 and time.perf_counter() - started_all > budget_s:
            break
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Bench:
    def __init__(self, args):
        self.args = args
        self.results: list[Result] = []
        self.plans: list[str] = []
        self.agent = User.objects.get(username="bench-agent")
        self.manager = User.objects.get(username="bench-manager")
        self.requester = User.objects.get(username="bench-requester")
        self.client = Client()
        self.client.force_login(self.agent)
        self.token = api_token_create(actor=self.agent, user=self.agent, name="bench").secret
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        self.api = Client()  # an API client: bearer token only, no session cookie
        # Tickets for the ticket page: visible to the agent, spread over the whole history.
        visible = selectors.tickets_visible_to(self.agent).order_by("id")
        ids = list(visible.values_list("id", flat=True)[:: max(1, self.ticket_count // 2000)])
        step = max(1, len(ids) // 64)
        self.sample = list(Ticket.objects.filter(id__in=ids[::step]).values_list("id", "number"))

    @property
    def ticket_count(self) -> int:
        if not hasattr(self, "_ticket_count"):
            self._ticket_count = Ticket.objects.count()
        return self._ticket_count

    def fresh_agent(self) -> User:
        """A new user object per request, as in a real request (no cached team ids)."""
        return User.objects.get(pk=self.agent.pk)

    def record(self, name: str, measured: str, fn: Callable[[int], object]) -> None:
        samples = timed(fn, self.args.repeat)
        with CaptureQueriesContext(connection) as captured:
            fn(0)
        result = Result(name, measured, statistics.median(samples), p95(samples),
                        len(captured.captured_queries))  # fmt: skip
        if len(samples) < self.args.repeat:
            result.rows = f"only {len(samples)} runs (time budget)"
        self.results.append(result)
        print(f"  {name:<44} {result.median_ms:8.1f} {result.p95_ms:8.1f} {result.queries:4d}"
              f"  {measured}", flush=True)  # fmt: skip
        if self.args.explain:
            for query in captured.captured_queries:
                self.plans.append(f"-- {name}\n{query['sql']}\n{explain(query['sql'])}")

    # --- probes: is the real page there yet? ---------------------------------------------

    def ready(self, probe: Callable[[], bool]) -> bool:
        """Pages other work is still building may be missing or broken: then not ready."""
        request_log = logging.getLogger("django.request")
        level, request_log.level = request_log.level, logging.CRITICAL
        try:
            return probe()
        except Exception as exc:
            print(f"  ({probe.__name__}: {type(exc).__name__}: {exc})")
            return False
        finally:
            request_log.level = level

    def desk_ready(self) -> bool:
        response = self.client.get("/desk/?view=open")
        page = selectors.ticket_page(self.fresh_agent(), TicketFilters(open_only=True), cursor=None)
        first = page.items[0].number if page.items else "<none>"
        return response.status_code == 200 and first.encode() in response.content

    def ticket_page_ready(self) -> bool:
        number = self.sample[0][1]
        response = self.client.get(f"/desk/tickets/{number}/")
        return response.status_code == 200 and number.encode() in response.content

    def api_ready(self) -> bool:
        response = self.api.get("/api/v1/tickets", **self.auth)
        return response.status_code == 200 and "items" in response.json()

    # --- scenarios -------------------------------------------------------------------------

    def run(self) -> None:
        print(f"  {'scenario':<44} {'median':>8} {'p95':>8} {'SQL':>4}  measured (ms)")
        if self.args.create_only:
            self.creation()
            return
        if self.ready(self.desk_ready):
            for name, path in DESK_PAGES:
                self.record(name, f"GET {path}", lambda i, path=path: self.get(path))
        self.page("agent queue: open, my teams, page 1", self.agent, TicketFilters(open_only=True))
        self.page("agent: all visible tickets, page 1", self.agent, TicketFilters())
        self.deep_page("agent: all visible tickets, page 20", self.agent, TicketFilters(), 20)
        self.page("agent: unassigned in team 1", self.agent,
                  TicketFilters(team=selectors.team_ids_of(self.agent)[0], unassigned=True))  # fmt: skip
        self.page("agent: assigned to me, open", self.agent,
                  TicketFilters(assignee=self.agent.pk, open_only=True))  # fmt: skip
        self.page("manager: all tickets, page 1", self.manager, TicketFilters())
        self.page("requester: own tickets, page 1", self.requester, TicketFilters())

        if self.ready(self.ticket_page_ready):
            self.record("ticket page", "GET /desk/tickets/<number>/",
                        lambda i: self.get(f"/desk/tickets/{self.pick(i)[1]}/"))  # fmt: skip
        self.record("ticket page (selectors)", "ticket_get + timeline_for", self.ticket_selectors)

        if self.ready(self.api_ready):
            self.record("API list", "GET /api/v1/tickets (bearer)",
                        lambda i: self.get("/api/v1/tickets", client=self.api, **self.auth))  # fmt: skip
        else:
            print("  (API list not implemented yet: measured by the selector rows above)")

        for label, query in corpus.SEARCHES:
            self.page(f"search: {label} ({query})", self.agent, TicketFilters(q=query))
        self.page("search as requester (impresora)", self.requester, TicketFilters(q="impresora"))
        self.creation()

    def get(self, path: str, client: Client | None = None, **extra) -> None:
        response = (client or self.client).get(path, **extra)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")

    def pick(self, i: int) -> tuple[int, str]:
        return self.sample[i % len(self.sample)]

    def page(self, name: str, actor: User, filters: TicketFilters) -> None:
        def run(_i: int) -> None:
            user = User.objects.get(pk=actor.pk)
            page = selectors.ticket_page(user, filters, cursor=None)
            [(t.requester, t.assignee, t.team, t.category) for t in page.items]
            self.rows_seen = f"{len(page.items)} rows, count {page.count}"

        self.record(name, "selectors.ticket_page", run)
        self.results[-1].rows = " ".join(filter(None, [self.rows_seen, self.results[-1].rows]))

    def deep_page(self, name: str, actor: User, filters: TicketFilters, number: int) -> None:
        cursor = None
        for _ in range(number - 1):
            cursor = selectors.ticket_page(actor, filters, cursor=cursor).next_cursor

        def run(_i: int) -> None:
            user = User.objects.get(pk=actor.pk)
            list(selectors.ticket_page(user, filters, cursor=cursor, limit=25).items)

        self.record(name, "selectors.ticket_page (keyset cursor)", run)

    def ticket_selectors(self, i: int) -> None:
        user = self.fresh_agent()
        ticket = selectors.ticket_get(user, self.pick(i)[1])
        list(selectors.timeline_for(user, ticket))

    def creation(self) -> None:
        count = self.args.create
        categories = list(
            Category.objects.filter(parent__isnull=False).values_list("id", flat=True)
        )
        texts = corpus.TEMPLATES_ES + corpus.TEMPLATES_EN
        place, app = corpus.PLACES_ES[0], corpus.APPS[0]

        def payload(i: int) -> dict:
            _category, title, description = texts[i % len(texts)]
            return {
                "title": f"{title.format(place=place, app=app)} #{i}",
                "description": description.format(place=place, app=app),
                "kind": "incident",
                "category": categories[i % len(categories)],
                "impact": 2,
                "urgency": 3,
            }

        probe = self.api.post("/api/v1/tickets", json.dumps(payload(0)),
                                 content_type="application/json", **self.auth)  # fmt: skip
        if probe.status_code in (200, 201):
            measured = "POST /api/v1/tickets (bearer), sequential"

            def create(i: int) -> None:
                response = self.api.post("/api/v1/tickets", json.dumps(payload(i)),
                                            content_type="application/json", **self.auth)  # fmt: skip
                if response.status_code not in (200, 201):
                    raise SystemExit(f"POST answered {response.status_code}: {response.content}")
        else:
            measured = "actions.ticket_create (API not ready), sequential"

            def create(i: int) -> None:
                data = payload(i)
                actions.ticket_create(
                    actor=self.fresh_agent(), title=data["title"],
                    description=data["description"], category_id=data["category"],
                    impact=data["impact"], urgency=data["urgency"],
                )  # fmt: skip

        samples = []
        started = time.perf_counter()
        for i in range(count):
            t0 = time.perf_counter()
            create(i)
            samples.append((time.perf_counter() - t0) * 1000)
        per_second = count / (time.perf_counter() - started)
        self.results.append(Result("ticket creation", measured, statistics.median(samples),
                                   p95(samples), 0, f"{per_second:.0f} tickets/s ({count})"))  # fmt: skip
        print(f"  {'ticket creation':<44} {statistics.median(samples):8.1f} {p95(samples):8.1f}"
              f"       {per_second:.0f} tickets/s  {measured}")  # fmt: skip


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            engine = f"PostgreSQL {cursor.fetchone()[0]}"
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            engine = f"SQLite {cursor.fetchone()[0]} (WAL)"
            size = f"{Path(settings.DATABASES['default']['NAME']).stat().st_size / 2**30:.2f} GB"
    return {
        "cpus": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "memory": f"{memory_kb / 2**20:.0f} GB",
        "cpu": cpu,
        "python": platform.python_version(),
        "engine": engine,
        "size": size,
    }


def report(bench: Bench, info: dict[str, str], note: str) -> str:
    tickets = bench.ticket_count
    events = TicketEvent.objects.count()
    lines = [
        f"### {info['engine']}, {tickets:,} tickets — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']} RAM, "
        f"Python {info['python']}. Data: {tickets:,} tickets, {events:,} timeline events, "
        f"database {info['size']}. {bench.args.repeat} runs per row after 2 warm-ups. "
        f"Load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}."
        + (f" {note}" if note else ""),
        "",
        "| scenario | measured | median ms | p95 ms | SQL | result |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in bench.results:
        lines.append(f"| {r.name} | {r.measured} | {r.median_ms:.1f} | {r.p95_ms:.1f} | "
                     f"{r.queries or ''} | {r.rows} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--create", type=int, default=300, help="tickets to create")
    parser.add_argument("--create-only", action="store_true", help="only ticket creation")
    parser.add_argument("--explain", action="store_true", help="print every query plan")
    parser.add_argument("--no-write", action="store_true", help="do not append to the doc")
    parser.add_argument("--note", default="", help="a sentence added to the report")
    args = parser.parse_args()
    # The schema must match the code (new apps add tables that subscribers write to).
    call_command("migrate", verbosity=0)
    bench = Bench(args)
    info = machine()
    print(f"{info['engine']}, {bench.ticket_count:,} tickets, {info['size']}")
    bench.run()
    if args.explain:
        print("\n\n".join(bench.plans))
    text = report(bench, info, args.note)
    if not args.no_write:
        with DOC.open("a") as doc:
            doc.write("\n" + text)
        print(f"appended to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
