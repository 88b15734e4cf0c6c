"""Inbound mail throughput on PostgreSQL: 10,000 messages (new threads and replies, generated
from templates) through the gateway code path, into tickets and replies.

    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_mailingest \\
        .venv/bin/python bench/mail_ingest.py [--messages 10000] [--write]

How it is measured: in-process, each message goes through `atiende.mail.inbound.gateway.receive_from`,
the function `atiende mail receive` calls after Django's setup (read the bytes, find the
mailbox, parse, claim the Message-ID, thread, create the ticket or reply with its timeline,
search document, attachments, SLA clock, notifications and the outbox acknowledgement, all
committed), one message after another on one connection. The start-up of a new `atiende`
process per message (what an MTA pipe costs on top) is measured separately on a few messages.

The database named in ATIENDE_DATABASE_URL is dropped and created again. With --write the
figures are appended to docs/performance.md.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SUBJECTS_ES = [
    "La impresora de la planta {n} no imprime",
    "No puedo acceder a la VPN desde casa",
    "Solicitud de alta de usuario para {name}",
    "El correo no sincroniza en el móvil",
    "Pantalla azul al arrancar el portátil",
    "¿Cómo cambio mi contraseña?",
]
SUBJECTS_EN = [
    "Printer on floor {n} is jammed",
    "Cannot log in to the ERP",
    "New laptop request for {name}",
    "Outlook keeps asking for my password",
    "Wi-Fi drops every few minutes in room {n}",
]
BODIES = [
    "Hola:\n\nDesde esta mañana {what}. Ya he reiniciado el equipo y sigue igual.\n\n"
    "Gracias,\n{name}\n--\n{name}\nDepartamento de Compras\nTel. 91 555 01 {n:02d}",
    "Hello,\n\nSince this morning {what}. I restarted the computer and nothing changed.\n\n"
    "Thanks,\n{name}\n\nSent from my iPhone",
]
WHATS = ["no funciona", "sale un error 0x800{n}", "it shows error 0x800{n}", "nothing happens"]
REPLIES = [
    "Sigue igual, adjunto captura.\n\nEl lun, 3 mar 2025 a las 9:12, Soporte <soporte@example.com> "
    "escribió:\n> ¿Ha probado a reiniciar?\n>\n> Saludos",
    "Thanks, that fixed it.\n\nOn Mon, Mar 3, 2025 at 9:12 AM Soporte <soporte@example.com> "
    "wrote:\n> Please try again now.",
    "Ya funciona, gracias.\n\n-----Mensaje original-----\nDe: Soporte\nEnviado: lunes\n\nTexto",
]


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "atiende.settings"
    os.environ.setdefault("ATIENDE_DATA_DIR", "/tmp/atiende-mailingest")
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def configure(people: int):
    from atiende.accounts.models import Role, Team, User
    from atiende.mail.models import Mailbox
    from atiende.tickets.models import DeskSettings

    team, _ = Team.objects.get_or_create(name="Service Desk")
    desk = DeskSettings.load()
    desk.default_team = team
    desk.save()
    Mailbox.objects.create(
        name="soporte", address="soporte@example.com", is_default=True, default_team=team
    )
    User.objects.bulk_create(
        User(
            username=f"person{i}",
            email=f"person{i}@example.org",
            first_name=f"Persona {i}",
            role=Role.REQUESTER,
            password="!",
        )
        for i in range(people)
    )


def generate(count: int, people: int, seed: int = 11) -> list[bytes]:
    return [raw for raw, _thread in generate_threads(count, people, seed)]


def generate_threads(count: int, people: int, seed: int = 11) -> list[tuple[bytes, int]]:
    """60 % new threads (one in ten from an unknown sender, one in twenty with a small
    attachment, one in five as HTML alternative), 40 % replies to an earlier thread, by
    In-Reply-To/References (three in four) or by the ticket number in the subject."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    threads: list[tuple[str, str, str]] = []  # (message id, subject, sender)
    out: list[tuple[bytes, int]] = []  # (message, index of its thread)
    for i in range(count):
        msg = EmailMessage()
        if threads and rng.random() < 0.4:
            thread = rng.randrange(len(threads))
            parent_id, subject, sender = threads[thread]
            body = rng.choice(REPLIES)
            if rng.random() < 0.75:
                msg["In-Reply-To"] = f"<{parent_id}>"
                msg["References"] = f"<{parent_id}>"
                msg["Subject"] = f"Re: {subject}"
            else:
                msg["Subject"] = f"RE: [INC-{thread + 1:06d}] {subject}"
        else:
            n = rng.randrange(1, 99)
            known = rng.random() < 0.9
            sender = (
                f"person{rng.randrange(people)}@example.org" if known else f"new{i}@example.net"
            )
            name = sender.split("@")[0].title()
            subject = rng.choice(SUBJECTS_ES + SUBJECTS_EN).format(n=n, name=name)
            body = rng.choice(BODIES).format(what=rng.choice(WHATS).format(n=n), name=name, n=n)
            msg["Subject"] = subject
            thread = len(threads)
        message_id = f"bench-{i}@client.example.org"
        msg["From"] = f"{sender.split('@')[0].title()} <{sender}>"
        msg["To"] = "Soporte <soporte@example.com>"
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = f"<{message_id}>"
        msg.set_content(body)
        if rng.random() < 0.2:
            paragraphs = "".join(f"<p>{line}</p>" for line in body.split("\n") if line)
            msg.add_alternative(f"<html><body>{paragraphs}</body></html>", subtype="html")
        if rng.random() < 0.05:
            msg.add_attachment(
                rng.randbytes(20_000), maintype="application", subtype="pdf",
                filename=f"captura-{i}.pdf",
            )  # fmt: skip
        if "In-Reply-To" not in msg and "[INC-" not in str(msg["Subject"]):
            threads.append((message_id, str(msg["Subject"]), sender))
        out.append((bytes(msg), thread))
    return out


def ingest(messages: list[bytes]) -> tuple[float, list[float], Counter]:
    from atiende.mail.inbound.gateway import receive_from

    latencies: list[float] = []
    codes: Counter = Counter()
    started = time.perf_counter()
    for raw in messages:
        t0 = time.perf_counter()
        code = receive_from(io.BytesIO(raw), mailbox_name="soporte")
        latencies.append(time.perf_counter() - t0)
        codes[code] += 1
    return time.perf_counter() - started, latencies, codes


def _worker(messages: list[bytes]) -> tuple[list[float], Counter]:
    from django.db import connections

    connections.close_all()  # a forked child opens its own connection
    _elapsed, latencies, codes = ingest(messages)
    connections.close_all()
    return latencies, codes


def ingest_parallel(
    messages: list[tuple[bytes, int]], workers: int
) -> tuple[float, list[float], Counter]:
    """`workers` processes at once (as an MTA runs several pipe deliveries), each taking whole
    threads in order, so a reply never overtakes the message it answers."""
    import multiprocessing

    from django.db import connections

    shares: list[list[bytes]] = [[] for _ in range(workers)]
    for raw, thread in messages:
        shares[thread % workers].append(raw)
    connections.close_all()
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = pool.map(_worker, shares)
    elapsed = time.perf_counter() - started
    latencies = [lat for part, _codes in results for lat in part]
    codes: Counter = Counter()
    for _lat, part_codes in results:
        codes.update(part_codes)
    return elapsed, latencies, codes


def sample_costs(messages: list[bytes]) -> tuple[float, float, float]:
    """SQL statements, Python CPU ms and PostgreSQL backend CPU ms per message, measured
    sequentially on `messages` (CPU time, so the figures hold on a busy machine too)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from atiende.mail.inbound.gateway import receive_from

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    stat = Path(f"/proc/{backend}/stat")  # PostgreSQL runs on this machine (loopback)

    def backend_cpu() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    half = len(messages) // 2
    with CaptureQueriesContext(connection) as ctx:
        for raw in messages[:half]:
            receive_from(io.BytesIO(raw), mailbox_name="soporte")
    queries = len(ctx.captured_queries) / half
    cpu0, pg0 = time.process_time(), backend_cpu()
    for raw in messages[half:]:
        receive_from(io.BytesIO(raw), mailbox_name="soporte")
    n = len(messages) - half
    return (
        queries,
        (time.process_time() - cpu0) * 1000 / n,
        (backend_cpu() - pg0) * 1000 / n,
    )


def process_startup(url: str, samples: int = 10) -> float:
    """Median wall time of `atiende mail receive < message` as a new process (a duplicate,
    so only start-up, the mailbox lookup and the claim are measured)."""
    env = dict(os.environ, ATIENDE_DATABASE_URL=url)
    raw = generate(1, 1, seed=99)[0]
    exe = str(Path(sys.executable).with_name("atiende"))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        subprocess.run([exe, "mail", "receive"], input=raw, env=env, check=True,
                       capture_output=True)  # fmt: skip
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument(
        "--workers", type=int, default=1, help="parallel deliveries (processes), default 1"
    )
    parser.add_argument("--write", action="store_true", help="append to docs/performance.md")
    opts = parser.parse_args()
    url = os.environ.get("ATIENDE_DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set ATIENDE_DATABASE_URL to a PostgreSQL database (it will be dropped).")
    setup_django(url)
    configure(opts.people)
    generated = generate_threads(opts.messages + 1000, opts.people)
    messages = [raw for raw, _thread in generated]
    main_set, sample = messages[: opts.messages], messages[opts.messages : opts.messages + 500]
    extra = messages[opts.messages + 500 :]

    from django.db import connection

    from atiende.mail.models import InboundMessage
    from atiende.tickets.models import Ticket, TicketEvent

    if opts.workers > 1:
        elapsed, latencies, codes = ingest_parallel(generated[: opts.messages], opts.workers)
    else:
        elapsed, latencies, codes = ingest(main_set)
    rate = len(main_set) / elapsed
    outcomes = Counter(InboundMessage.objects.values_list("status", flat=True))
    tickets = Ticket.objects.count()
    comments = TicketEvent.objects.filter(type="comment").count()
    per_message, python_ms, postgres_ms = sample_costs(sample + extra)
    startup = process_startup(url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(" on ")[0]
    lat = sorted(latencies)
    p50, p95, p99 = (lat[int(len(lat) * q)] * 1000 for q in (0.5, 0.95, 0.99))
    duplicate_check = ingest(main_set[:500])
    dup_rate = 500 / duplicate_check[0]
    load = os.getloadavg()
    lines = [
        f"### Mail ingest, PostgreSQL — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {pg_version}. "
        f"Data: {len(main_set):,} generated messages (60 % new threads, 40 % replies by "
        f"references or subject number; 20 % with an HTML part, 5 % with a 20 kB attachment), "
        f"{opts.people:,} known requesters, a fresh database. Load average at the end: "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.",
        "",
        "Measured in-process through `atiende.mail.inbound.gateway.receive_from`, the function "
        "`atiende mail receive` runs after Django's set-up: every message parsed, claimed, "
        "threaded and committed with its ticket or reply, SLA clock, notifications and "
        "outbox row; "
        + (
            "one after another on one connection."
            if opts.workers == 1
            else f"{opts.workers} processes at once (as an MTA runs several deliveries), "
            "each taking whole threads in order. Replies by subject number may then find "
            "their ticket numbered differently and open a ticket instead (counted below)."
        ),
        "",
        "| measure | result |",
        "|---|---:|",
        f"| messages ingested | {len(main_set):,} in {elapsed:.1f} s |",
        f"| **throughput** ({opts.workers} process{'es' if opts.workers > 1 else ''}) "
        f"| **{rate:.0f} messages/s** (target ≥ 100) |",
        f"| latency per message p50 / p95 / p99 | {p50:.1f} / {p95:.1f} / {p99:.1f} ms |",
        f"| outcomes | {', '.join(f'{k} {v:,}' for k, v in sorted(outcomes.items()))} |",
        f"| tickets / e-mail replies written | {tickets:,} / {comments:,} |",
        f"| exit codes | {', '.join(f'{k}: {v:,}' for k, v in sorted(codes.items()))} |",
        f"| SQL statements per message (500 more, sequential) | {per_message:.1f} |",
        f"| CPU per message (500 more, sequential): Python / PostgreSQL | {python_ms:.1f} / "
        f"{postgres_ms:.1f} ms: {1000 / (python_ms + postgres_ms):.0f} messages/s per "
        f"core, {(os.cpu_count() or 1) * 1000 / (python_ms + postgres_ms):.0f} on "
        f"{os.cpu_count()} idle cores |",
        f"| duplicates (500 sent again) | {dup_rate:.0f} messages/s, nothing written |",
        f"| `atiende mail receive` as a new process | {startup * 1000:.0f} ms per message "
        f"(start-up included) |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if opts.write:
        with (ROOT / "docs" / "performance.md").open("a", encoding="utf-8") as doc:
            doc.write("\n" + text)


if __name__ == "__main__":
    main()
