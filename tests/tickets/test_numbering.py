"""Ticket numbers: one sequence per kind, with the kind's prefix, unique under concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from atiende.tickets import actions
from atiende.tickets.models import Kind, Ticket, TicketCounter

from ..factories import make_ticket

PREFIXES = {
    Kind.INCIDENT: "INC",
    Kind.REQUEST: "REQ",
    Kind.QUESTION: "QRY",
    Kind.PROBLEM: "PRB",
    Kind.CHANGE: "CHG",
}


@pytest.mark.parametrize("kind", list(Kind))
def test_each_kind_has_its_own_prefix_and_sequence(kind, agent, requester):
    first = make_ticket(requester, actor=agent, kind=kind)
    second = make_ticket(requester, actor=agent, kind=kind)
    assert first.number == f"{PREFIXES[kind]}-000001"
    assert second.number == f"{PREFIXES[kind]}-000002"


def test_sequences_of_different_kinds_are_independent(agent, requester):
    make_ticket(requester, actor=agent, kind=Kind.INCIDENT)
    make_ticket(requester, actor=agent, kind=Kind.INCIDENT)
    request = make_ticket(requester, actor=agent, kind=Kind.REQUEST)
    incident = make_ticket(requester, actor=agent, kind=Kind.INCIDENT)
    assert request.number == "REQ-000001"
    assert incident.number == "INC-000003"


def test_ticket_get_finds_a_ticket_by_its_number_in_any_case(agent, requester, desk_default_team):
    from atiende.tickets.selectors import ticket_get

    ticket = make_ticket(requester, actor=agent)
    assert ticket_get(agent, "inc-000001") == ticket


def _create_in_threads(requester_id: int, threads: int, per_thread: int) -> list[BaseException]:
    from atiende.accounts.models import User

    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work():
        try:
            requester = User.objects.get(pk=requester_id)
            start.wait()
            for _ in range(per_thread):
                actions.ticket_create(actor=requester, title="Concurrent ticket")
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return errors


def _assert_consecutive(count: int) -> None:
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == count
    assert len(set(numbers)) == count
    assert sorted(numbers) == [f"INC-{n:06d}" for n in range(1, count + 1)]
    if connection.vendor == "sqlite":  # PostgreSQL numbers from sequences (numbering.py)
        assert TicketCounter.objects.get(kind=Kind.INCIDENT).last == count


@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_and_consecutive_under_concurrency_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections are only exercised on PostgreSQL")
    from ..factories import RequesterFactory

    requester = RequesterFactory()
    errors = _create_in_threads(requester.pk, threads=8, per_thread=5)
    assert errors == []
    _assert_consecutive(40)


@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_and_consecutive_under_concurrency_sqlite(tmp_path):
    """The test database is an in-memory, shared-cache SQLite database, whose table locks are
    not retried (SQLITE_LOCKED) - unlike the file database Atiende runs on. So the threads
    work on a file copy of it, with the production connection options (WAL, IMMEDIATE)."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant of the concurrency test (PostgreSQL has its own)")
    import sqlite3

    from ..factories import RequesterFactory

    requester = RequesterFactory()
    path = tmp_path / "concurrency.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    target.close()
    db_settings = connections.settings["default"]
    saved_name = db_settings["NAME"]
    db_settings["NAME"] = str(path)  # new connections (one per thread) open the file
    try:
        errors = _create_in_threads(requester.pk, threads=8, per_thread=5)
    finally:
        db_settings["NAME"] = saved_name
    assert errors == []
    with sqlite3.connect(path) as db:
        numbers = [row[0] for row in db.execute("SELECT number FROM tickets_ticket")]
        last = db.execute("SELECT last FROM tickets_ticketcounter WHERE kind='incident'").fetchone()
    assert sorted(numbers) == [f"INC-{n:06d}" for n in range(1, 41)]
    assert last == (40,)
