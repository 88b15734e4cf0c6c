"""The emerging-trend scan over a large desk: times `trends.detect` (the two grouped counts
and the names) and `actions.trends_record` (detect + store, and a second, idempotent run)
on a database made by bench/generate.py.

    ATIENDE_DATA_DIR=/tmp/bench .venv/bin/python bench/generate.py --tickets 1000000
    ATIENDE_DATA_DIR=/tmp/bench .venv/bin/python bench/trends.py [--share 0.3] [--runs 5]
    # or with ATIENDE_DATABASE_URL=postgres://... for PostgreSQL

Before timing, the script gives a share of the tickets (default 30 %) an affected service
or CI (cmdb.TicketItem, in bulk), unless they have some already, and a surge on a few
categories and services in the last days so that trends exist. "Now" is the newest ticket's
creation, so the window sits on the generated data whatever today's date. Prints a
Markdown block for docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402

from atiende.cmdb.models import CiClass, ConfigurationItem, TicketItem  # noqa: E402
from atiende.improvement import actions, trends  # noqa: E402
from atiende.improvement.models import Trend  # noqa: E402
from atiende.tickets.models import Kind, Ticket  # noqa: E402


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def affected_items(share: float, rng: random.Random, now) -> None:
    if TicketItem.objects.exists():
        return
    stamp = now
    items = []
    for n in range(40):
        items.append(ConfigurationItem(name=f"bench-service-{n}", ci_class=CiClass.BUSINESS_SERVICE,
                                       created_at=stamp, updated_at=stamp))  # fmt: skip
    for n in range(2000):
        items.append(ConfigurationItem(name=f"bench-ci-{n}", ci_class=CiClass.SERVER,
                                       created_at=stamp, updated_at=stamp))  # fmt: skip
    ConfigurationItem.objects.bulk_create(items, batch_size=1000)
    ids = list(
        ConfigurationItem.objects.filter(name__startswith="bench-").values_list("pk", flat=True)
    )
    services, cis = ids[:40], ids[40:]
    rows: list[TicketItem] = []
    tickets = Ticket.objects.values_list("pk", "created_at").iterator(chunk_size=20_000)
    for pk, created in tickets:
        if rng.random() < share:
            item = rng.choice(services) if rng.random() < 0.3 else rng.choice(cis)
            rows.append(TicketItem(ticket_id=pk, item_id=item, created_at=created))
        if len(rows) >= 20_000:
            TicketItem.objects.bulk_create(rows, batch_size=5_000)
            rows = []
    TicketItem.objects.bulk_create(rows, batch_size=5_000)


def surge(rng: random.Random, now) -> None:
    """Move some recent incidents into a few categories and onto a few items: trends."""
    recent = list(
        Ticket.objects.filter(
            kind=Kind.INCIDENT, created_at__gte=now - timedelta(days=6)
        ).values_list("pk", flat=True)[:2000]
    )
    if not recent:
        return
    categories = list(
        Ticket.objects.exclude(category=None).values_list("category_id", flat=True).distinct()[:3]
    )
    with transaction.atomic():
        for n, pk in enumerate(recent[:600]):
            Ticket.objects.filter(pk=pk).update(category_id=categories[n % len(categories)])
        items = list(
            ConfigurationItem.objects.filter(name__startswith="bench-ci-").values_list(
                "pk", flat=True
            )[:5]
        )
        TicketItem.objects.filter(ticket_id__in=recent[600:900]).delete()
        TicketItem.objects.bulk_create(
            [
                TicketItem(ticket_id=pk, item_id=items[n % 5], created_at=now)
                for n, pk in enumerate(recent[600:900])
            ]
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--share", type=float, default=0.3, help="tickets with an affected item")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-surge", action="store_true")
    args = parser.parse_args()
    rng = random.Random(14)
    newest = Ticket.objects.aggregate(m=Max("created_at"))["m"]
    if newest is None:
        sys.exit("No tickets: run bench/generate.py first.")
    now = newest + timedelta(days=1)
    prepare_ms, _ = timed(affected_items, args.share, rng, now)
    if not args.no_surge:
        surge(rng, now)
    tickets = Ticket.objects.count()
    links = TicketItem.objects.count()
    w = trends.windows_at(now)
    in_window = Ticket.objects.filter(
        created_at__gte=w.baseline_start, created_at__lt=w.window_end
    ).count()

    detect_ms = []
    found = []
    for _ in range(args.runs):
        ms, (_w, found) = timed(trends.detect, now)
        detect_ms.append(ms)
    Trend.objects.all().delete()
    first_ms, first = timed(actions.trends_record, now=now)
    again_ms, again = timed(actions.trends_record, now=now)
    assert again.created == 0

    print(f"### Emerging-trend scan ({connection.vendor}, {time.strftime('%Y-%m-%d')})\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}."
    )
    print(f"{tickets:,} tickets ({in_window:,} in the 35 days read), {links:,} affected items"
          f" (prepared in {prepare_ms / 1000:.1f} s).\n")  # fmt: skip
    print("| step | median | runs |")
    print("|---|---|---|")
    print(f"| `trends.detect` (2 grouped counts + names) | {statistics.median(detect_ms):.0f} ms "
          f"(min {min(detect_ms):.0f}, max {max(detect_ms):.0f}) | {args.runs} |")  # fmt: skip
    print(
        f"| `actions.trends_record`, first run ({first.created} trends created) | {first_ms:.0f} ms | 1 |"
    )
    print(f"| `actions.trends_record`, same day again ({again.updated} updated, {again.skipped} unchanged) "
          f"| {again_ms:.0f} ms | 1 |")  # fmt: skip
    print(f"\nTrends found: {len(found)}.")


if __name__ == "__main__":
    main()
