"""Bulk-generate realistic service-desk data for the benchmarks.

    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_bench \\
        .venv/bin/python bench/generate.py --tickets 1000000 --events-per-ticket 5

Uses the database configured by ATIENDE_DATABASE_URL / ATIENDE_DATA_DIR, migrates it, then
loads organisations, teams, agents, requesters and categories through the ORM, and tickets,
timeline events and search documents in bulk: COPY on PostgreSQL, executemany in large
transactions on SQLite. Secondary indexes (and on SQLite the FTS insert trigger) are dropped
during the load and recreated afterwards from their own stored definitions, so the schema
ends exactly as the migrations define it. Refuses to run on a database that has tickets.

Benchmark logins (password "bench-password"): bench-agent (agent in two teams),
bench-manager (sees every ticket), bench-requester.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

import corpus  # noqa: E402
from atiende.accounts.models import Organization, Role, Team, TeamMembership, User  # noqa: E402
from atiende.core.text import fold  # noqa: E402
from atiende.reports.models import TicketFact  # noqa: E402
from atiende.tickets import numbering, search  # noqa: E402
from atiende.tickets.models import (  # noqa: E402
    NUMBER_PREFIX,
    Category,
    EventType,
    Kind,
    Status,
    Ticket,
    TicketEvent,
    TicketSearchDocument,
)

PASSWORD = "bench-password"
CHUNK = 20_000
BULK_TABLES = ("tickets_ticket", "tickets_ticketevent", "tickets_ticketsearchdocument",
               "reports_ticketfact")  # fmt: skip

TICKET_COLUMNS = (
    "id", "number", "kind", "title", "description", "status", "channel", "pending_reason", "impact",
    "urgency", "priority", "requester_id", "organization_id", "assignee_id", "team_id",
    "category_id", "resolution_code", "resolution_notes", "created_at", "updated_at",
    "resolved_at", "closed_at", "version", "priority_overridden", "priority_reason",
)  # fmt: skip
EVENT_COLUMNS = (
    "ticket_id", "type", "actor_id", "created_at", "public", "body", "field", "old_value",
    "new_value",
)  # fmt: skip
DOCUMENT_COLUMNS = ("ticket_id", "public_terms", "internal_terms")
# The reports' ticket facts (reports.models.TicketFact), computed here from the same rows, as
# reports.facts.recompute would (no SLA clocks are generated: those columns stay empty).
FACT_COLUMNS = (
    "ticket_id", "kind", "channel", "priority", "status", "team_id", "assignee_id",
    "category_id", "organization_id", "created_at", "first_response_at", "resolved_at",
    "closed_at", "reopen_count", "team_hops", "agent_replies", "first_response_wall",
    "resolution_wall", "first_response_business", "resolution_business",
    "first_response_sla", "resolution_sla",
)  # fmt: skip

CHANNELS = ["portal"] * 5 + ["email"] * 3 + ["web", "api"]
KINDS = [Kind.INCIDENT, Kind.REQUEST, Kind.QUESTION, Kind.PROBLEM, Kind.CHANGE]
KIND_WEIGHTS = [55, 30, 10, 3, 2]
RECENT_STATUSES = [Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING,
                   Status.RESOLVED, Status.CLOSED]  # fmt: skip
RECENT_WEIGHTS = [15, 20, 30, 10, 20, 5]
OLD_STATUSES = [Status.CLOSED, Status.CANCELLED, Status.PENDING, Status.IN_PROGRESS]
OLD_WEIGHTS = [93, 4, 2, 1]
PENDING_REASONS = ["requester", "third_party", "change", "other"]
RESOLUTION_CODES = ["solved", "solved", "solved", "workaround", "not_reproducible", "duplicate"]


def check_columns() -> None:
    """Fail loudly if the models gained a column this generator does not fill."""
    for model, columns, skip in (
        (Ticket, TICKET_COLUMNS, set()),
        (TicketEvent, EVENT_COLUMNS, {"id"}),
        (TicketSearchDocument, DOCUMENT_COLUMNS, set()),
        (TicketFact, FACT_COLUMNS, set()),
    ):
        actual = {f.column for f in model._meta.concrete_fields} - skip
        if actual != set(columns):
            raise SystemExit(f"{model.__name__} columns changed: {sorted(actual ^ set(columns))}")


@contextmanager
def phase(name: str) -> Iterator[None]:
    started = time.perf_counter()
    print(f"{name} ...", flush=True)
    yield
    print(f"{name}: {time.perf_counter() - started:.1f} s", flush=True)


# --- reference data -------------------------------------------------------------------------


class Reference:
    """The people, teams and categories tickets point to, as plain ids for the hot loop."""

    def __init__(self, rng: random.Random, requesters: int):
        password = make_password(PASSWORD)
        orgs = Organization.objects.bulk_create(
            [Organization(name=name) for name in corpus.ORGANISATIONS]
        )
        teams = Team.objects.bulk_create([Team(name=name) for name in corpus.TEAMS])
        self.team_ids = [t.pk for t in teams]

        def person(username: str, role: str, **extra) -> User:
            first, last = rng.choice(corpus.FIRST_NAMES), rng.choice(corpus.LAST_NAMES)
            return User(
                username=username,
                password=password,
                first_name=first,
                last_name=last,
                first_name_key=fold(first),  # (bulk_create skips User.save)
                last_name_key=fold(last),
                email=f"{username}@example.com",
                role=role,
                language=rng.choice(["es", "en", ""]),
                **extra,
            )

        agents = [person(f"agent{i:03d}", Role.AGENT) for i in range(len(teams) * 6)]
        specials = [
            person("bench-agent", Role.AGENT),
            person("bench-manager", Role.MANAGER, sees_all_tickets=True),
        ]
        people = [person("bench-requester", Role.REQUESTER, organization=orgs[0])]
        people += [
            person(f"user{i:06d}", Role.REQUESTER, organization=rng.choice(orgs))
            for i in range(requesters - 1)
        ]
        User.objects.bulk_create(agents + specials, batch_size=2000)
        User.objects.bulk_create(people, batch_size=2000)
        agents = list(User.objects.filter(username__startswith="agent").order_by("id"))
        bench_agent = User.objects.get(username="bench-agent")

        self.members: dict[int, list[int]] = {t.pk: [] for t in teams}
        memberships = []
        for index, agent in enumerate(agents):
            own = {teams[index % len(teams)]}
            if index % 3 == 0:  # a third of the agents work in a second team
                own.add(teams[(index + 1) % len(teams)])
            for team in own:
                memberships.append(TeamMembership(team=team, user=agent))
                self.members[team.pk].append(agent.pk)
        for team in teams[:2]:  # bench-agent: first-line, two busy teams
            memberships.append(TeamMembership(team=team, user=bench_agent))
            self.members[team.pk].append(bench_agent.pk)
        TeamMembership.objects.bulk_create(memberships)

        self.category_ids: dict[str, int] = {}
        self.category_team: dict[int, int] = {}
        for parent_name, children in corpus.CATEGORIES.items():
            parent = Category.objects.create(name=parent_name)
            for child_name, team_index in children:
                child = Category.objects.create(
                    name=child_name, parent=parent, team=teams[team_index]
                )
                self.category_ids[child_name] = child.pk
                self.category_team[child.pk] = teams[team_index].pk

        self.requesters = list(
            User.objects.filter(role=Role.REQUESTER).values_list("id", "organization_id")
        )


# --- text -------------------------------------------------------------------------------------


class Texts:
    """Expanded templates: (category, title, description, language) plus cached terms."""

    def __init__(self):
        self.items: list[tuple[str, str, str, str]] = []
        for lang, templates, places in (
            ("es", corpus.TEMPLATES_ES, corpus.PLACES_ES),
            ("en", corpus.TEMPLATES_EN, corpus.PLACES_EN),
        ):
            for category, title, description in templates:
                for place in places:
                    for app in corpus.APPS:
                        filled = (title.format(place=place, app=app),
                                  description.format(place=place, app=app))  # fmt: skip
                        self.items.append((category, *filled, lang))
        self.items = sorted(set(self.items))
        self.spanish = [i for i, item in enumerate(self.items) if item[3] == "es"]
        self.english = [i for i, item in enumerate(self.items) if item[3] == "en"]
        self._terms: dict[str, str] = {}

    def terms(self, text: str) -> str:
        cached = self._terms.get(text)
        if cached is None:
            cached = self._terms[text] = search.terms(text)
        return cached


# --- tickets ----------------------------------------------------------------------------------


class TicketMaker:
    def __init__(self, rng: random.Random, ref: Reference, texts: Texts, args, now: datetime):
        self.rng, self.ref, self.texts, self.now = rng, ref, texts, now
        self.total = args.tickets
        self.events_per_ticket = args.events_per_ticket
        self.span = timedelta(days=args.years * 365).total_seconds()
        self.start = now - timedelta(seconds=self.span)
        self.counters = dict.fromkeys(KINDS, 0)
        self.sqlite = connection.vendor == "sqlite"

    def stamp(self, value: datetime | None):
        if value is None or not self.sqlite:
            return value
        return value.replace(tzinfo=None).isoformat(" ")

    def chunk(self, first_id: int, count: int):
        rng, ref, texts = self.rng, self.ref, self.texts
        tickets, events, documents, facts = [], [], [], []
        stamp = self.stamp
        true, false = (1, 0) if self.sqlite else (True, False)
        for ticket_id in range(first_id, first_id + count):
            created = self.start + timedelta(
                seconds=self.span * (ticket_id - 1 + rng.random()) / self.total
            )
            age_days = (self.now - created).total_seconds() / 86400
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            self.counters[kind] += 1
            number = f"{NUMBER_PREFIX[kind]}-{self.counters[kind]:06d}"
            pool = texts.spanish if rng.random() < 0.55 else texts.english
            category_name, title, description, lang = texts.items[rng.choice(pool)]
            category_id = ref.category_ids[category_name]
            public = [texts.terms(f"{title} {description}"), search.terms(number)]
            if rng.random() < corpus.RARE_RATE:
                sentences = corpus.RARE_SENTENCES_ES if lang == "es" else corpus.RARE_SENTENCES_EN
                extra = rng.choice(sentences)
                description = f"{description} {extra}"
                public.append(texts.terms(extra))
            team_id = (
                ref.category_team[category_id] if rng.random() < 0.9 else rng.choice(ref.team_ids)
            )
            requester_id, organization_id = rng.choice(ref.requesters)
            if age_days < 14:
                status = rng.choices(RECENT_STATUSES, RECENT_WEIGHTS)[0]
            else:
                status = rng.choices(OLD_STATUSES, OLD_WEIGHTS)[0]
            assignee_id = None if status == Status.NEW else rng.choice(ref.members[team_id])
            closed = status in (Status.RESOLVED, Status.CLOSED, Status.CANCELLED)
            if closed:
                updated = created + timedelta(hours=rng.uniform(0.5, 24 * 20))
            else:
                updated = created + timedelta(hours=rng.uniform(0, age_days * 24))
            updated = min(updated, self.now)
            resolved_at = updated if status in (Status.RESOLVED, Status.CLOSED) else None
            closed_at = updated if status in (Status.CLOSED, Status.CANCELLED) else None
            impact, urgency = rng.choice((1, 2, 2, 3, 3, 3)), rng.choice((1, 2, 2, 3, 3, 3))
            resolution = rng.choice(RESOLUTION_CODES) if resolved_at else ""
            tickets.append((
                ticket_id, number, kind, title, description, status, rng.choice(CHANNELS),
                rng.choice(PENDING_REASONS) if status == Status.PENDING else "",
                impact, urgency, impact + urgency - 1, requester_id, organization_id,
                assignee_id, team_id, category_id, resolution, "", stamp(created),
                stamp(updated), stamp(resolved_at), stamp(closed_at), self.events_per_ticket,
                False, "",
            ))  # fmt: skip

            # Timeline: created, then replies / notes / changes, the last one at `updated`.
            agent = assignee_id or rng.choice(ref.members[team_id])
            replies = corpus.REPLIES_ES if lang == "es" else corpus.REPLIES_EN
            internal = []
            first_response = None
            agent_replies = 0
            steps = self.events_per_ticket
            step = (updated - created) / max(steps - 1, 1)
            events.append((ticket_id, EventType.CREATED, requester_id, stamp(created), true,
                           "", "", "", ""))  # fmt: skip
            for index in range(1, steps):
                at = stamp(created + step * index)
                last = index == steps - 1
                roll = rng.random()
                if last and closed:
                    events.append((ticket_id, EventType.STATUS, agent, at, true, "", "status",
                                   Status.IN_PROGRESS, status))  # fmt: skip
                elif roll < 0.55:
                    body = rng.choice(replies)
                    actor = agent if roll < 0.33 else requester_id
                    if actor == agent:
                        agent_replies += 1
                        first_response = first_response or created + step * index
                    events.append((ticket_id, EventType.COMMENT, actor, at, true, body, "", "",
                                   ""))  # fmt: skip
                    public.append(texts.terms(body))
                elif roll < 0.8:
                    body = rng.choice(corpus.NOTES)
                    events.append((ticket_id, EventType.NOTE, agent, at, false, body, "", "",
                                   ""))  # fmt: skip
                    internal.append(texts.terms(body))
                elif roll < 0.9:
                    events.append((ticket_id, EventType.FIELD, agent, at, false, "", "priority",
                                   str(impact + urgency), str(impact + urgency - 1)))  # fmt: skip
                else:
                    events.append((ticket_id, EventType.FIELD, agent, at, false, "", "assignee",
                                   "", f"agent {agent}"))  # fmt: skip
            documents.append((ticket_id, " ".join(public), " ".join(internal)))

            def seconds(end, created=created):
                return None if end is None else max(0, int((end - created).total_seconds()))

            facts.append((
                ticket_id, kind, tickets[-1][6], impact + urgency - 1, status, team_id,
                assignee_id, category_id, organization_id, stamp(created),
                stamp(first_response), stamp(resolved_at), stamp(closed_at), 0, 0,
                agent_replies, seconds(first_response), seconds(resolved_at), None, None, "", "",
            ))  # fmt: skip
        return tickets, events, documents, facts


# --- bulk writers -------------------------------------------------------------------------------


class PostgresLoader:
    def __init__(self):
        self.indexes: list[tuple[str, str]] = []

    def prepare(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [list(BULK_TABLES)],
            )
            self.indexes = cursor.fetchall()
            for name, _definition in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            # Rows are generated consistent; skip the per-row foreign-key triggers.
            cursor.execute("SET session_replication_role = replica")

    def write(self, tickets, events, documents, facts) -> None:
        with transaction.atomic(), connection.cursor() as wrapper:
            cursor = wrapper.cursor
            for table, columns, rows in (
                ("tickets_ticket", TICKET_COLUMNS, tickets),
                ("tickets_ticketevent", EVENT_COLUMNS, events),
                ("tickets_ticketsearchdocument", DOCUMENT_COLUMNS, documents),
                ("reports_ticketfact", FACT_COLUMNS, facts),
            ):
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)

    def finish(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'), "
                "(SELECT max(id) FROM tickets_ticket))"
            )
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for name, definition in self.indexes:
                with phase(f"  index {name}"):
                    cursor.execute(definition)

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


class SqliteLoader:
    def __init__(self):
        self.indexes: list[tuple[str, str]] = []
        self.trigger = ""

    def prepare(self) -> None:
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(BULK_TABLES))
            rows = cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks})",
                BULK_TABLES,
            ).fetchall()
            self.indexes = rows
            self.trigger = cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'tickets_search_ai'"
            ).fetchone()[0]
            for name, _sql in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("DROP TRIGGER tickets_search_ai")
            for pragma in ("foreign_keys = OFF", "synchronous = OFF", "journal_mode = OFF",
                           "cache_size = -1000000", "temp_store = MEMORY"):  # fmt: skip
                cursor.execute(f"PRAGMA {pragma}")

    def write(self, tickets, events, documents, facts) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for table, columns, rows in (
                ("tickets_ticket", TICKET_COLUMNS, tickets),
                ("tickets_ticketevent", EVENT_COLUMNS, events),
                ("tickets_ticketsearchdocument", DOCUMENT_COLUMNS, documents),
                ("reports_ticketfact", FACT_COLUMNS, facts),
            ):
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
                )

    def finish(self) -> None:
        with connection.cursor() as cursor:
            for name, sql in self.indexes:
                with phase(f"  index {name}"):
                    cursor.execute(sql)
            with phase("  full-text index rebuild"):
                cursor.execute(
                    "INSERT INTO tickets_search_fts(tickets_search_fts) VALUES('rebuild')"
                )
            cursor.execute(self.trigger)

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            problems = cursor.execute("PRAGMA foreign_key_check").fetchmany(5)
            if problems:
                raise SystemExit(f"foreign key problems: {problems}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--events-per-ticket", type=int, default=5)
    parser.add_argument("--requesters", type=int, default=0, help="default: tickets / 50")
    parser.add_argument("--years", type=float, default=3.0, help="history span")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.events_per_ticket < 2:
        parser.error("--events-per-ticket must be at least 2")
    check_columns()
    started = time.perf_counter()
    with phase("migrate"):
        call_command("migrate", verbosity=0)
    if Ticket.objects.exists() or User.objects.filter(username="bench-agent").exists():
        raise SystemExit("This database already has tickets or benchmark users; use an empty one.")
    rng = random.Random(args.seed)
    with phase("people, teams, categories"), transaction.atomic():
        ref = Reference(rng, args.requesters or max(200, args.tickets // 50))
    texts = Texts()
    loader = PostgresLoader() if connection.vendor == "postgresql" else SqliteLoader()
    now = datetime.now(UTC)
    maker = TicketMaker(rng, ref, texts, args, now)
    with phase(f"tickets, events, search documents ({connection.vendor})"):
        loader.prepare()
        generating = writing = 0.0
        for first in range(1, args.tickets + 1, CHUNK):
            t0 = time.perf_counter()
            rows = maker.chunk(first, min(CHUNK, args.tickets - first + 1))
            t1 = time.perf_counter()
            loader.write(*rows)
            generating += t1 - t0
            writing += time.perf_counter() - t1
            done = first + len(rows[0]) - 1
            if done % 100_000 < CHUNK or done == args.tickets:
                print(f"  {done:>9,} tickets (generate {generating:.0f} s, write {writing:.0f} s)",
                      flush=True)  # fmt: skip
    with phase("indexes"):
        loader.finish()
    with transaction.atomic():
        for kind, last in maker.counters.items():
            numbering.advance_to(kind, last)
    with phase("analyze"):
        loader.analyze()
    events = args.tickets * args.events_per_ticket
    print(
        f"done: {args.tickets:,} tickets, {events:,} events, {len(ref.requesters):,} requesters "
        f"in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
