"""Impact of one CI over a large CMDB: 100,000 CIs and 300,000 relations shaped like a real
estate (services -> applications -> databases/VMs -> hosts -> storage/network, plus
workstations using applications and application-to-application dependencies). Times
`impact_depths` (the recursive query alone), `impacted_service_ids` (what the change
calendar calls) and `impacted_items` (the whole selector behind the impact page and API:
query, items and diagram edges) for many CIs of every class, deep ones included.

    # PostgreSQL (the database is created if missing and its CMDB tables replaced)
    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_cmdbbench \\
        .venv/bin/python bench/cmdb_impact.py
    # SQLite (a file under ATIENDE_DATA_DIR, default /tmp/atiende-cmdbbench)
    .venv/bin/python bench/cmdb_impact.py [--items 100000] [--relations 300000] [--keep]

Prints a Markdown block for docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)

# Share of the estate per class (sums to 1).
SHAPE = [
    ("business_service", 0.002),
    ("technical_service", 0.008),
    ("application", 0.10),
    ("database", 0.05),
    ("virtual_machine", 0.30),
    ("server", 0.04),
    ("storage", 0.01),
    ("network_device", 0.02),
    ("workstation", 0.47),
]


def setup_django() -> str:
    url = os.environ.get("ATIENDE_DATABASE_URL", "")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    os.environ.setdefault("ATIENDE_DATA_DIR", "/tmp/atiende-cmdbbench")
    Path(os.environ["ATIENDE_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if url.startswith("postgres"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def clear() -> None:
    from django.db import connection

    from atiende.cmdb.models import ConfigurationItem, ItemEvent, Relation, TicketItem

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE cmdb_itemevent, cmdb_ticketitem, cmdb_relation, "
                "cmdb_configurationitem RESTART IDENTITY CASCADE"
            )
    else:
        for model in (ItemEvent, TicketItem, Relation, ConfigurationItem):
            model.objects.all().delete()


def generate(n_items: int, n_relations: int, rng: random.Random) -> dict[str, list[int]]:
    """Insert the estate; answer the ids per class."""
    from django.db import connection, transaction

    from atiende.cmdb import graph
    from atiende.cmdb.models import ConfigurationItem, Relation
    from atiende.core.bulk import insert

    rows = []
    classes: list[str] = []
    for ci_class, share in SHAPE:
        count = max(2, int(n_items * share))
        classes += [ci_class] * count
    classes = classes[:n_items]
    for i, ci_class in enumerate(classes):
        attributes = {"ip": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"}
        rows.append((f"{ci_class[:3]}-{i:06d}", ci_class, "active", "production", "",
                     attributes, NOW, NOW, 1))  # fmt: skip
    fields = ["name", "ci_class", "status", "environment", "description", "attributes",
              "created_at", "updated_at", "version"]  # fmt: skip
    with transaction.atomic():
        insert(ConfigurationItem, fields, rows)
    ids: dict[str, list[int]] = {c: [] for c, _s in SHAPE}
    for pk, ci_class in ConfigurationItem.objects.values_list("pk", "ci_class").order_by("pk"):
        ids[ci_class].append(pk)

    edges: set[tuple[int, str, int]] = set()

    def add(source: int, type_: str, target: int) -> None:
        if source != target:
            edges.add((source, type_, target))

    bsv, tsv, app, db, vm = (ids[c] for c in ("business_service", "technical_service",
                                              "application", "database", "virtual_machine"))  # fmt: skip
    host, sto, net, ws = ids["server"], ids["storage"], ids["network_device"], ids["workstation"]
    core = net[:4]  # core switches: everything on the network is behind them
    for s in bsv:
        for t in rng.sample(tsv, 4):
            add(s, "depends_on", t)
    for a_index, a in enumerate(app):
        for t in rng.sample(tsv, rng.choice((1, 1, 2))):
            add(t, "depends_on", a)
        for d in rng.sample(db, rng.choice((1, 2))):
            add(a, "depends_on", d)
        for v in rng.sample(vm, rng.choice((1, 2, 3))):
            add(a, "runs_on", v)
        # Applications call a few others of their domain (blocks of 50): a DAG, no loops.
        block = a_index - a_index % 50
        for _n in range(3):
            other = block + rng.randrange(50)
            if other < a_index and other < len(app):
                add(a, "depends_on", app[other])
    for d in db:
        add(d, "runs_on", rng.choice(vm))
    for v in vm:
        add(v, "runs_on", rng.choice(host))
        add(v, "depends_on", rng.choice(net[4:]))
    for h in host:
        for s in rng.sample(sto, rng.choice((1, 2))):
            add(h, "depends_on", s)
        add(h, "depends_on", rng.choice(net[4:]))
        add(h, "connected_to", rng.choice(net))
    for n in net[4:]:
        add(n, "depends_on", rng.choice(core))
    for s in sto[: len(sto) // 2]:
        add(s, "part_of", rng.choice(sto[len(sto) // 2 :]))
    for w in ws:
        add(w, "connected_to", rng.choice(net[4:]))
        for a in rng.sample(app, 2):
            add(w, "depends_on", a)
    # Top up to the wanted number with more workstation -> application uses.
    while len(edges) < n_relations:
        add(rng.choice(ws), "depends_on", rng.choice(app))
    rows = [(s, t, g, NOW) for s, t, g in list(edges)[:n_relations]]
    with transaction.atomic():
        insert(Relation, ["source_id", "type", "target_id", "created_at"], rows)
        graph.changed()  # as the actions do: processes reload their impact graph
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ids


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--relations", type=int, default=300_000)
    parser.add_argument("--samples", type=int, default=40, help="CIs timed per class")
    parser.add_argument("--keep", action="store_true", help="reuse data of the right size")
    args = parser.parse_args()
    vendor = setup_django()

    from django.db import connection

    from atiende.accounts.models import Role, User
    from atiende.cmdb import selectors
    from atiende.cmdb.models import ConfigurationItem, Relation

    rng = random.Random(5)
    have = (ConfigurationItem.objects.count(), Relation.objects.count())
    if args.keep and have == (args.items, args.relations):
        ids: dict[str, list[int]] = {}
        for pk, ci_class in ConfigurationItem.objects.values_list("pk", "ci_class"):
            ids.setdefault(ci_class, []).append(pk)
        generated = "reused"
    else:
        clear()
        seconds, ids = timed(generate, args.items, args.relations, rng)
        generated = f"generated in {seconds / 1000:.1f} s"
    agent, _ = User.objects.get_or_create(username="cmdb-bench", defaults={"role": Role.AGENT})
    # What a process pays once after each change to the relations: loading the graph.
    from atiende.cmdb import graph

    loads = []
    for _ in range(3):
        graph._held.forget()
        loads.append(timed(graph.current)[0])
    load_ms = statistics.median(loads)

    lines = []
    all_depths: list[float] = []
    all_services: list[float] = []
    all_items: list[float] = []
    for ci_class, _share in SHAPE:
        sample = rng.sample(ids[ci_class], min(args.samples, len(ids[ci_class])))
        depths_ms, services_ms, items_ms, sizes, deepest = [], [], [], [], 0
        for pk in sample:
            ms, depths = timed(selectors.impact_depths, [pk])
            depths_ms.append(ms)
            sizes.append(len(depths) - 1)
            deepest = max(deepest, max(depths.values()))
            services_ms.append(timed(selectors.impacted_service_ids, [pk])[0])
            items_ms.append(timed(selectors.impacted_items, agent, [pk], limit=500)[0])
        all_depths += depths_ms
        all_services += services_ms
        all_items += items_ms
        lines.append(
            f"| {ci_class} | {statistics.median(sizes):,.0f} (max {max(sizes):,}) | {deepest} "
            f"| {statistics.median(depths_ms):.1f} / {max(depths_ms):.1f} "
            f"| {statistics.median(services_ms):.1f} / {max(services_ms):.1f} "
            f"| {statistics.median(items_ms):.1f} / {max(items_ms):.1f} |"
        )
    core = ids["network_device"][:4]
    core_ms, core_depths = timed(selectors.impact_depths, core[:1])
    core_page_ms = statistics.median(
        timed(selectors.impacted_items, agent, core[:1], limit=500)[0] for _ in range(5)
    )
    many = rng.sample(ids["virtual_machine"], 50)
    many_ms, _ = timed(selectors.services_by_item, many)

    version = (
        connection.cursor().connection.info.server_version
        if vendor == "postgresql"
        else __import__("sqlite3").sqlite_version
    )
    print(
        f"### CMDB impact, {vendor} {version}: {args.items:,} CIs, {args.relations:,} relations "
        f"— {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; data {generated}. "
        f"{args.samples} CIs per class, each timed once (warm cache). Times in ms, median / max.\n\n"
        "| class | impacted items (median) | deepest | impact_depths | impacted_service_ids "
        "| impacted_items (page/API) |\n|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n\n"
        f"All {len(all_depths)} CIs: impact_depths median {statistics.median(all_depths):.1f} ms, "
        f"p95 {percentile(all_depths, 0.95):.1f} ms; impacted_service_ids median "
        f"{statistics.median(all_services):.1f} ms, p95 {percentile(all_services, 0.95):.1f} ms; "
        f"impacted_items median {statistics.median(all_items):.1f} ms, "
        f"p95 {percentile(all_items, 0.95):.1f} ms.\n"
        f"Worst case, a core switch (everything behind it, {len(core_depths) - 1:,} items): "
        f"impact_depths {core_ms:.0f} ms, impacted_items (page/API, median of 5) "
        f"{core_page_ms:.0f} ms.\n"
        f"Loading the impact graph into a process (once after each change): {load_ms:.0f} ms.\n"
        f"services_by_item for 50 VMs at once (the calendar's conflict check): {many_ms:.1f} ms.\n"
    )


if __name__ == "__main__":
    main()
