"""Ticket numbers (INC-000123): one counter per kind, unique under concurrency.

- PostgreSQL: one sequence per kind (`tickets_number_<kind>`, created by migration 0008).
  `nextval` holds no lock until commit, so parallel creations never queue behind each other's
  transactions. (With a counter row they did: its lock lasted until the creating transaction
  committed, with the SLA clocks and the outbox written meanwhile, which capped creation near
  120 tickets/s on two cores.) Like every sequence, a creation that fails after taking its
  number leaves a gap.
- SQLite: the TicketCounter row, incremented by one `INSERT … ON CONFLICT … RETURNING`
  statement (SQLite serialises writers anyway); a failed creation gives its number back.
"""

from __future__ import annotations

from django.db import connection

from .models import NUMBER_PREFIX, Kind, TicketCounter

_COUNTER_SQL = (
    "INSERT INTO tickets_ticketcounter (kind, last) VALUES (%s, 1) "
    "ON CONFLICT (kind) DO UPDATE SET last = tickets_ticketcounter.last + 1 "
    "RETURNING last"
)


def sequence_name(kind: str) -> str:
    return f"tickets_number_{Kind(kind).value}"


def _uses_sequences() -> bool:
    return connection.vendor == "postgresql"


def next_number(kind: str) -> str:
    """Issue the next number of `kind`: one statement, unique under concurrency."""
    with connection.cursor() as cursor:
        if _uses_sequences():
            cursor.execute("SELECT nextval(%s)", [sequence_name(kind)])
        else:
            cursor.execute(_COUNTER_SQL, [kind])
        (last,) = cursor.fetchone()
    return f"{NUMBER_PREFIX[Kind(kind)]}-{last:06d}"


def advance_to(kind: str, last: int) -> None:
    """Make the next number of `kind` follow `last` (bulk loaders that write numbers)."""
    if _uses_sequences():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(%s, %s, %s)", [sequence_name(kind), max(last, 1), last > 0]
            )
    else:
        TicketCounter.objects.update_or_create(kind=kind, defaults={"last": last})


def restart() -> None:
    """Start every kind again at 1 (tests: an emptied database numbers from the start)."""
    if _uses_sequences():
        for kind in Kind:
            advance_to(kind, 0)
