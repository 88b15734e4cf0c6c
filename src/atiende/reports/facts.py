"""Ticket facts: computed from the raw rows (the ticket, its timeline, its SLA clocks) and
kept current by small deltas inside the ticket's own transaction.

Two ways to the same row, and the tests hold them equal (tests/reports/test_facts_property.py):

- `recompute(ticket_ids)` reads the raw rows and answers the facts each ticket should have;
  `reconcile` writes the rows that differ (the reconciliation job and the first fill);
- the `on_*` functions (called by subscribers.py inside the publishing transaction) apply
  the one change an event describes: one read of the ticket row, one of the fact, one write.

Definitions are in docs/metrics.md; this module is their code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from atiende.accounts.models import Role
from atiende.core import bulk
from atiende.sla.models import ClockKind, ClockState, SlaClock
from atiende.tickets.models import OPEN_STATUSES, EventType, Status, Ticket, TicketEvent

from . import aggregates
from .models import TicketFact

FINISHED_FOR_REOPEN = (Status.RESOLVED, Status.CLOSED)
DIMENSION_FIELDS = ("kind", "channel", "priority", "status", "team_id", "assignee_id",
                    "category_id", "organization_id")  # fmt: skip
TICKET_COLUMNS = (*DIMENSION_FIELDS, "created_at", "resolved_at", "closed_at", "requester_id")
SLA_FIELDS = ("first_response_sla", "resolution_sla", "first_response_business",
              "resolution_business")  # fmt: skip
STORED_FIELDS = ("ticket_id", *DIMENSION_FIELDS, "created_at", "first_response_at", "resolved_at",
                 "closed_at", "reopen_count", "team_hops", "agent_replies",
                 "first_response_wall", "resolution_wall")  # fmt: skip


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _from_ticket(row: dict[str, Any]) -> dict[str, Any]:
    """The facts read straight from the ticket row."""
    facts = {name: row[name] for name in DIMENSION_FIELDS}
    facts["created_at"] = row["created_at"]
    facts["resolved_at"] = row["resolved_at"]
    facts["closed_at"] = row["closed_at"]
    facts["resolution_wall"] = _seconds(row["created_at"], row["resolved_at"])
    return facts


def _sla_facts(clocks: Iterable[SlaClock], first_response_at: datetime | None) -> dict[str, Any]:
    """A ticket's first-response and resolution clocks (next-response clocks are not reported).

    - state: the clock's, except that a clock met after its target counts as breached (the
      sweep marks breaches once a minute; a reply or resolution in between meets a clock
      that was already late);
    - business time: what the clock counted once it stopped (met, or met after a breach:
      `met_at` set); a first response's only when there was a reply (resolving also meets
      the first-response clock, but that is no response).
    """
    facts: dict[str, Any] = dict.fromkeys(SLA_FIELDS)
    facts["first_response_sla"] = facts["resolution_sla"] = ""
    for clock in clocks:
        if clock.kind == ClockKind.FIRST_RESPONSE:
            prefix = "first_response"
        elif clock.kind == ClockKind.RESOLUTION:
            prefix = "resolution"
        else:
            continue
        state = clock.state
        if state == ClockState.MET and clock.elapsed > timedelta(minutes=clock.target_minutes):
            state = ClockState.BREACHED
        facts[f"{prefix}_sla"] = state
        stopped = clock.met_at is not None and clock.running_since is None
        if stopped and clock.state != ClockState.STOPPED:
            facts[f"{prefix}_business"] = int(clock.elapsed.total_seconds())
    if first_response_at is None:
        facts["first_response_business"] = None
    return facts


def _clocks_of(ticket_ids: Sequence[int]) -> dict[int, list[SlaClock]]:
    found: dict[int, list[SlaClock]] = {pk: [] for pk in ticket_ids}
    for clock in SlaClock.objects.filter(
        ticket_id__in=ticket_ids, kind__in=(ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION)
    ).only("ticket_id", "kind", "state", "elapsed", "met_at", "running_since", "target_minutes"):
        found[clock.ticket_id].append(clock)
    return found


def recompute(ticket_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The facts of these tickets from their raw rows: three queries for any number."""
    tickets = {
        row["pk"]: row
        for row in Ticket.objects.filter(pk__in=ticket_ids).values("pk", *TICKET_COLUMNS)
    }
    result: dict[int, dict[str, Any]] = {}
    for pk, row in tickets.items():
        facts = _from_ticket(row)
        facts.update(reopen_count=0, team_hops=0, agent_replies=0, first_response_at=None)
        result[pk] = facts
    events = (
        TicketEvent.objects.filter(
            ticket_id__in=list(tickets),
            type__in=(EventType.STATUS, EventType.FIELD, EventType.COMMENT),
        )
        .values_list(
            "ticket_id",
            "type",
            "field",
            "old_value",
            "new_value",
            "created_at",
            "actor_id",
            "actor__role",
            "public",
        )
        .order_by("ticket_id", "created_at", "id")
    )
    for ticket_id, type_, field, old, new, at, actor_id, role, public in events:
        facts = result[ticket_id]
        if type_ == EventType.STATUS:
            if old in FINISHED_FOR_REOPEN and new in OPEN_STATUSES:
                facts["reopen_count"] += 1
        elif type_ == EventType.FIELD:
            if field == "team" and old and old != new:
                facts["team_hops"] += 1
        elif (
            public
            and actor_id is not None
            and role != Role.REQUESTER
            and actor_id != tickets[ticket_id]["requester_id"]
        ):
            facts["agent_replies"] += 1
            if facts["first_response_at"] is None:
                facts["first_response_at"] = at
    for pk, clocks in _clocks_of(list(tickets)).items():
        facts = result[pk]
        facts["first_response_wall"] = _seconds(facts["created_at"], facts["first_response_at"])
        facts.update(_sla_facts(clocks, facts["first_response_at"]))
    return result


def differs(stored: TicketFact, wanted: dict[str, Any]) -> bool:
    return any(getattr(stored, name) != value for name, value in wanted.items())


def reconcile(ticket_ids: Sequence[int]) -> int:
    """Make the stored facts of these tickets equal to their recomputation: insert the missing,
    update those that differ, delete those of tickets that no longer exist. Idempotent (it
    writes values, never increments), one transaction per call. Answers the rows written."""
    with transaction.atomic():
        # Lock the tickets first (actions lock them too), so no action changes a ticket and
        # its fact between our read and our write: its delta would be overwritten by older
        # values. (SQLite: write transactions are serialised by BEGIN IMMEDIATE.)
        list(Ticket.objects.select_for_update().filter(pk__in=list(ticket_ids)).values_list("pk"))
        wanted = recompute(ticket_ids)
        stored = TicketFact.objects.in_bulk(list(ticket_ids))
        written = 0
        gone = [pk for pk in stored if pk not in wanted]
        deltas: list[tuple[Any, Any]] = [(aggregates.snapshot(stored[pk]), None) for pk in gone]
        if gone:
            written += TicketFact.objects.filter(pk__in=gone).delete()[0]
        create = []
        for pk, facts in wanted.items():
            row = stored.get(pk)
            if row is None:
                create.append(TicketFact(ticket_id=pk, **facts))
                deltas.append((None, aggregates.snapshot(facts)))
            elif differs(row, facts):
                before = aggregates.snapshot(row)
                for name, value in facts.items():
                    setattr(row, name, value)
                row.save()
                deltas.append((before, aggregates.snapshot(row)))
                written += 1
        TicketFact.objects.bulk_create(create, batch_size=500)
        aggregates.apply_many(deltas)
        return written + len(create)


# -- incremental: one event, one delta (called inside the publishing transaction) ---------------


def on_created(ticket: Ticket) -> None:
    """A new ticket: its row (its SLA clocks were started just before, in this transaction)."""
    row = {name: getattr(ticket, name) for name in TICKET_COLUMNS}
    facts = _from_ticket(row)
    # SLA started the clocks just before, in this transaction, and left them in the ticket's
    # prefetch cache (sla.actions.clocks_start_new): read there, no query.
    facts.update(_sla_facts(list(ticket.sla_clocks.all()), None))
    facts.update(team_hops=0, reopen_count=0, agent_replies=0)
    TicketFact.objects.create(ticket_id=ticket.pk, **facts)
    aggregates.apply(None, aggregates.snapshot(facts))


LOADED_FIELDS = (*STORED_FIELDS, "first_response_sla", "resolution_sla",
                 *[f"ticket__{name}" for name in TICKET_COLUMNS])  # fmt: skip


def _load(ticket_id: int) -> tuple[TicketFact, dict[str, Any]] | None:
    """The fact and its ticket's columns, in one query (a join by primary key)."""
    fact = (
        TicketFact.objects.select_related("ticket")
        .only(*LOADED_FIELDS)
        .filter(pk=ticket_id)
        .first()
    )
    if fact is None:
        return None  # no fact yet (a ticket older than the store): reconciliation adds it
    return fact, {name: getattr(fact.ticket, name) for name in TICKET_COLUMNS}


def on_updated(ticket_id: int, fields: Iterable[str]) -> None:
    """Fields changed: copy the ticket's dimensions; a change of team away from a team is a hop."""
    loaded = _load(ticket_id)
    if loaded is None:
        return
    fact, row = loaded
    before = aggregates.snapshot(fact)
    if "team" in fields and fact.team_id is not None and fact.team_id != row["team_id"]:
        fact.team_hops += 1
    _copy(fact, row)
    fact.save()
    aggregates.apply(before, aggregates.snapshot(fact))


def on_status(ticket_id: int, old: str, new: str, reply_event_id: int | None) -> None:
    """A status move: a reopen is a move from resolved or closed to an open status; the
    public reply given with a transition counts as a reply."""
    on_status_many([(ticket_id, old, new, reply_event_id)])


def on_status_many(moves: Sequence[tuple[int, str, str, int | None]]) -> None:
    """`on_status` of many tickets' moves (ticket id, old, new, reply event id): the facts
    and their tickets in one query, the replies in one more, one UPDATE of the facts and one
    write of the summed deltas."""
    ids = [move[0] for move in moves]
    facts = {
        f.pk: f
        for f in TicketFact.objects.select_related("ticket").only(*LOADED_FIELDS).filter(pk__in=ids)
    }
    replies = _agent_replies([m[3] for m in moves if m[3] is not None and m[0] in facts])
    deltas: list[tuple[Any, Any]] = []
    changed: list[TicketFact] = []
    names: set[str] = set()
    for ticket_id, old, new, reply_event_id in moves:
        fact = facts.get(ticket_id)
        if fact is None:
            continue  # no fact yet (a ticket older than the store): reconciliation adds it
        row = {name: getattr(fact.ticket, name) for name in TICKET_COLUMNS}
        before = aggregates.snapshot(fact)
        was = [getattr(fact, name) for name in SAVED_FIELDS]
        if old in FINISHED_FOR_REOPEN and new in OPEN_STATUSES:
            fact.reopen_count += 1
        _copy(fact, row)
        reply = replies.get(reply_event_id) if reply_event_id is not None else None
        if reply is not None and reply[0] != row["requester_id"]:
            _counted(fact, reply[1])
        deltas.append((before, aggregates.snapshot(fact)))
        moved = {n for n, v in zip(SAVED_FIELDS, was, strict=True) if getattr(fact, n) != v}
        if moved:
            changed.append(fact)
            names |= moved
    if changed:  # the columns that changed, in one UPDATE
        bulk.update(changed, [n for n in SAVED_FIELDS if n in names])
    aggregates.apply_many(deltas)


# What the incremental handlers may change in a loaded fact (LOADED_FIELDS, the fact's own).
SAVED_FIELDS = [name for name in LOADED_FIELDS if "__" not in name and name != "ticket_id"]


def _agent_replies(event_ids: Sequence[int]) -> dict[int, tuple[int | None, Any]]:
    """Public comments by someone who is not a requester: {id: (actor id, time)}."""
    if not event_ids:
        return {}
    found = (
        TicketEvent.objects.filter(pk__in=list(event_ids), public=True, type=EventType.COMMENT)
        .exclude(actor__role=Role.REQUESTER)
        .values_list("pk", "actor_id", "created_at")
    )
    return {pk: (actor_id, at) for pk, actor_id, at in found}


def _counted(fact: TicketFact, event) -> None:
    fact.agent_replies += 1
    if fact.first_response_at is None or event < fact.first_response_at:
        fact.first_response_at = event
        fact.first_response_wall = _seconds(fact.created_at, event)


def on_commented(
    ticket_id: int, event_id: int, public: bool, by_agent: bool, actor_id: int
) -> None:
    """A public reply by an agent other than the requester: the first one is the first response."""
    if not (public and by_agent):
        return
    loaded = _load(ticket_id)
    if loaded is None:
        return
    fact, row = loaded
    if actor_id == row["requester_id"]:
        return
    before = aggregates.snapshot(fact)
    _copy(fact, row)
    _count_reply(fact, row, event_id)
    fact.save()
    aggregates.apply(before, aggregates.snapshot(fact))


def _count_reply(fact: TicketFact, row: dict[str, Any], event_id: int) -> None:
    event = (
        TicketEvent.objects.filter(pk=event_id, public=True, type=EventType.COMMENT)
        .exclude(actor__role=Role.REQUESTER)
        .exclude(actor_id=row["requester_id"])
        .values_list("created_at", flat=True)
        .first()
    )
    if event is not None:
        _counted(fact, event)


def _copy(fact: TicketFact, row: dict[str, Any]) -> None:
    for name, value in _from_ticket(row).items():
        setattr(fact, name, value)


def refresh_sla(ticket_ids: Sequence[int]) -> int:
    """Copy the SLA clocks' states into the facts (after SLA's own handlers moved them, and
    for the clocks the sweep breached). Writes values: running it twice changes nothing."""
    written = 0
    deltas: list[tuple[Any, Any]] = []
    changed: list[TicketFact] = []
    names: set[str] = set()
    with transaction.atomic():
        facts = TicketFact.objects.select_for_update().in_bulk(list(ticket_ids))
        for pk, clocks in _clocks_of(list(facts)).items():
            fact = facts[pk]
            wanted = _sla_facts(clocks, fact.first_response_at)
            if differs(fact, wanted):
                before = aggregates.snapshot(fact)
                for name, value in wanted.items():
                    setattr(fact, name, value)
                deltas.append((before, aggregates.snapshot(fact)))
                changed.append(fact)
                names.update(wanted)
                written += 1
        if changed:  # one UPDATE for all of them
            bulk.update(changed, sorted(names))
        aggregates.apply_many(deltas)
    return written
