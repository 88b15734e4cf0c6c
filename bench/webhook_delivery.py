"""Webhooks: what a ticket action pays for them (the after-commit subscriber that queues the
deliveries), and how many deliveries per second one worker sends to a real HTTP receiver on
loopback (target: 200/s).

    .venv/bin/python bench/webhook_delivery.py [--tickets 600] [--deliveries 3000]
    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_webhookbench \\
        .venv/bin/python bench/webhook_delivery.py

SQLite: a fresh database under a temporary data directory. PostgreSQL: the database is
created if missing, migrated, and its webhook tables emptied first.

1. Ticket creation through `tickets.actions.ticket_create` (each ticket its own committed
   transaction, after-commit handlers run), alternating rounds with and without one active
   webhook subscribed to `ticket.created`: the difference is what the webhook costs the action
   (reading the webhooks, the ticket, the owner's access, one INSERT).
2. Delivery: `--deliveries` rows queued over 500 tickets, then `delivery.deliver_due()` in
   this one process (one worker) sends them all, signed, to a keep-alive HTTP server on
   127.0.0.1 (tests/webhooks/receiver.py), through the SSRF guard and the allow-list.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def setup_django() -> str:
    url = os.environ.get("ATIENDE_DATABASE_URL", "")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    os.environ["ATIENDE_WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    if url.startswith("postgres"):
        os.environ.setdefault("ATIENDE_DATA_DIR", "/tmp/atiende-webhookbench")
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ["ATIENDE_DATA_DIR"] = tempfile.mkdtemp(prefix="atiende-webhookbench-")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from atiende.webhooks.models import Webhook, WebhookDelivery

    WebhookDelivery.objects.all().delete()
    Webhook.objects.all().delete()
    from django.db import connection

    return connection.vendor


def _receiver_process(port, counter) -> None:
    from tests.webhooks.receiver import Receiver

    receiver = Receiver(record=False, counter=counter)
    port.value = receiver.port
    receiver.serve()


def start_receiver():
    """A keep-alive HTTP receiver in its own process (the worker's GIL is its own)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    port, counter = context.Value("i", 0), context.Value("i", 0)
    process = context.Process(target=_receiver_process, args=(port, counter), daemon=True)
    process.start()
    while not port.value:
        if not process.is_alive():
            raise SystemExit("the receiver process did not start")
        time.sleep(0.01)
    return process, f"http://127.0.0.1:{port.value}/hook", counter


def create_tickets(requester, count: int) -> float:
    """Seconds per ticket."""
    from atiende.tickets.actions import ticket_create

    started = time.perf_counter()
    for i in range(count):
        ticket_create(actor=requester, title=f"La impresora {i} no imprime", description="Nada.")
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--deliveries", type=int, default=3000)
    args = parser.parse_args()
    vendor = setup_django()

    import uuid

    from django.db import connection

    from atiende.accounts.models import Role, User
    from atiende.core import clock
    from atiende.tickets.models import Ticket
    from atiende.webhooks import actions, delivery
    from atiende.webhooks.models import Webhook, WebhookDelivery

    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": Role.ADMIN})
    requester, _ = User.objects.get_or_create(
        username="bench-requester", defaults={"role": Role.REQUESTER, "language": "es"}
    )
    process, url, counter = start_receiver()
    try:
        hook, _secret = actions.webhook_create(
            actor=admin, name="bench", url=url, events=["ticket.created"]
        )
        create_tickets(requester, 30)  # warm up
        rounds = 6
        per_round = max(1, args.tickets // (2 * rounds))
        on: list[float] = []
        off: list[float] = []
        for n in range(rounds):  # ABBA order, so drift over the run cancels out
            for active in (False, True) if n % 2 == 0 else (True, False):
                Webhook.objects.filter(pk=hook.pk).update(active=active)
                (on if active else off).append(create_tickets(requester, per_round))
        base_ms = statistics.median(off) * 1000
        hook_ms = statistics.median(on) * 1000

        # Delivery throughput: a fresh queue of --deliveries over 500 tickets.
        WebhookDelivery.objects.all().delete()
        Webhook.objects.filter(pk=hook.pk).update(active=True)
        ticket = Ticket.objects.select_related("requester").order_by("-id").first()
        from atiende.webhooks import payloads

        now = clock.now()
        payload = payloads.envelope("ticket.created", occurred_at=now, ticket=ticket)
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    webhook=hook,
                    event_id=uuid.uuid4(),
                    event_type="ticket.created",
                    ticket_id=i % 500,
                    payload=payload,
                    next_attempt_at=now,
                    created_at=now,
                )
                for i in range(args.deliveries)
            ],
            batch_size=500,
        )
        started = time.perf_counter()
        result = delivery.deliver_due(budget_seconds=600)
        elapsed = time.perf_counter() - started
        assert result.delivered == args.deliveries == counter.value, (
            result.as_dict(),
            counter.value,
        )
    finally:
        process.terminate()
    version = (
        connection.cursor().connection.info.server_version
        if vendor == "postgresql"
        else __import__("sqlite3").sqlite_version
    )
    print(
        f"### Webhooks, {vendor} {version} — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print()
    print("| measure | result |")
    print("|---|---|")
    print(
        f"| ticket_create, no webhook (median of {rounds} rounds x {per_round}) | {base_ms:.2f} ms |"
    )
    print(f"| ticket_create, one webhook on ticket.created | {hook_ms:.2f} ms |")
    print(
        f"| cost of queuing the delivery (in the action's transaction) | {hook_ms - base_ms:.2f} ms |"
    )
    print(
        f"| one worker, {args.deliveries} signed deliveries to 127.0.0.1 | "
        f"{args.deliveries / elapsed:.0f} deliveries/s |"
    )


if __name__ == "__main__":
    main()
