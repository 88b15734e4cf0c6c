"""The mail outbox: what it costs a ticket to queue its acknowledgement, and how fast the
worker delivers to a real SMTP server on loopback (aiosmtpd).

    .venv/bin/python bench/mail_outbox.py [--tickets 2000] [--messages 2000]
    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_mailbench \\
        .venv/bin/python bench/mail_outbox.py

SQLite: a fresh database file under a temporary data directory. PostgreSQL: the database is
created if missing and migrated; its tickets and outbox are emptied first.

1. Ticket creation in-process through `tickets.actions.ticket_create` (each ticket its own
   transaction, committed), alternating batches with and without the outbox handlers
   registered, so both see the same database state; the difference is the outbox's cost.
2. Delivery: `mail.delivery.deliver_due()` sends the queued acknowledgements (rendered in
   the recipient's language, claimed one by one, marked sent one by one) to aiosmtpd.
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
    if url.startswith("postgres"):
        os.environ.setdefault("ATIENDE_DATA_DIR", "/tmp/atiende-mailbench")
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ["ATIENDE_DATA_DIR"] = tempfile.mkdtemp(prefix="atiende-mailbench-")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE mail_outboundmessage, mail_messagereference, sla_slaclock, "
                "notifications_notification, tickets_ticketevent, tickets_attachment, "
                "tickets_ticketsearchdocument, tickets_ticket CASCADE"
            )
    return connection.vendor


def create_tickets(requester, count: int, *, outbox: bool) -> float:
    """Seconds per ticket."""
    from atiende.core import events
    from atiende.mail.outbound import notify
    from atiende.tickets.actions import ticket_create
    from atiende.tickets.events import TicketCreated

    handlers = [(TicketCreated, notify.acknowledge)]
    if not outbox:
        for event, handler in handlers:
            events.unsubscribe(event, handler)
    try:
        started = time.perf_counter()
        for i in range(count):
            ticket_create(
                actor=requester,
                title=f"La impresora {i} no imprime",
                description="Sale una hoja en blanco desde esta mañana.",
            )
        return (time.perf_counter() - started) / count
    finally:
        if not outbox:
            for event, handler in handlers:
                events.subscribe(event, in_transaction=True)(handler)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    vendor = setup_django()

    from django.conf import settings
    from django.db import connection
    from tests.mail.smtp_server import SmtpServer

    from atiende.accounts.models import Role, User
    from atiende.mail.models import OutboundMessage
    from atiende.mail.outbound.delivery import deliver_due

    requester, _ = User.objects.get_or_create(
        username="bench-requester",
        defaults={"email": "ana@example.org", "role": Role.REQUESTER, "language": "es"},
    )
    create_tickets(requester, 50, outbox=True)  # warm up (caches, first queries)
    rounds = 8
    per_round = max(1, args.tickets // (2 * rounds))
    with_outbox: list[float] = []
    without: list[float] = []
    for n in range(rounds):  # ABBA order, so drift over the run cancels out
        for outbox in (False, True) if n % 2 == 0 else (True, False):
            (with_outbox if outbox else without).append(
                create_tickets(requester, per_round, outbox=outbox)
            )
    base_ms = statistics.median(without) * 1000
    outbox_ms = statistics.median(with_outbox) * 1000

    # Delivery: only the acknowledgements still queued, up to --messages.
    OutboundMessage.objects.exclude(
        pk__in=OutboundMessage.objects.order_by("id").values("pk")[: args.messages]
    ).delete()
    queued = OutboundMessage.objects.count()
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
    settings.OUTBOX_DELIVERY = True
    settings.MAIL_AUTO_PER_HOUR = 0  # one bench address: no rate limit here
    try:
        started = time.perf_counter()
        sent = 0
        while True:
            result = deliver_due(limit=500)
            sent += result.sent
            if result.sent == 0:
                break
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    assert len(server.received) == sent == queued, (len(server.received), sent, queued)

    version = (
        connection.cursor().connection.info.server_version
        if vendor == "postgresql"
        else __import__("sqlite3").sqlite_version
    )
    print(
        f"### Mail outbox, {vendor} {version} — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print()
    print("| measure | result |")
    print("|---|---|")
    print(
        f"| ticket_create without the outbox (median of {rounds} rounds x {per_round}) | {base_ms:.2f} ms |"
    )
    print(f"| ticket_create with the acknowledgement queued | {outbox_ms:.2f} ms |")
    print(f"| cost of the outbox per ticket | {outbox_ms - base_ms:.2f} ms |")
    print(
        f"| delivery to aiosmtpd on loopback ({sent} messages) | {sent / elapsed:.0f} messages/s |"
    )


if __name__ == "__main__":
    main()
