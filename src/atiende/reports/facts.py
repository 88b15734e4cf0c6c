"""Ticket facts: computed from the raw rows (the ticket, its timeline, its SLA clocks).

`recompute(ticket_ids)` reads the raw rows and answers the facts each ticket should have;
`reconcile` writes the rows that differ, with their daily aggregates' delta. It is the only
writer of facts: for the tickets a change queued (actions.facts_catch_up, PendingFact), for
the reconciliation job's slices, and for the first fill (docs/metrics.md, "How the facts are
kept"). Definitions are in docs/metrics.md; this module is their code.
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
from .models import PendingFact, TicketFact

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
    update those that differ, delete those of tickets that no longer exist, and take the
    tickets out of the queue of pending recomputations. Idempotent (it writes values, never
    increments), one transaction per call. Answers the rows written."""
    ticket_ids = sorted(set(ticket_ids))
    with transaction.atomic():
        # Lock the tickets first, in id order, as actions do: no action changes a ticket
        # between our read and our write (two reconciliations of a ticket queue one behind
        # the other; SQLite serialises write transactions with BEGIN IMMEDIATE). Then dequeue
        # them BEFORE reading the raw rows: a change committed after this point (the SLA
        # clocks move after the ticket's commit) queues the ticket again, and one committed
        # before it is read below. Either way nothing is missed.
        list(
            Ticket.objects.select_for_update()
            .filter(pk__in=ticket_ids)
            .order_by("pk")
            .values_list("pk")
        )
        PendingFact.objects.filter(ticket_id__in=ticket_ids).delete()
        wanted = recompute(ticket_ids)
        stored = TicketFact.objects.in_bulk(list(ticket_ids))
        written = 0
        gone = [pk for pk in stored if pk not in wanted]
        deltas: list[tuple[Any, Any]] = [(aggregates.snapshot(stored[pk]), None) for pk in gone]
        if gone:
            written += TicketFact.objects.filter(pk__in=gone).delete()[0]
        create = []
        changed: list[TicketFact] = []
        names: set[str] = set()
        for pk, facts in wanted.items():
            row = stored.get(pk)
            if row is None:
                create.append(TicketFact(ticket_id=pk, **facts))
                deltas.append((None, aggregates.snapshot(facts)))
            elif differs(row, facts):
                before = aggregates.snapshot(row)
                for name, value in facts.items():
                    if getattr(row, name) != value:
                        setattr(row, name, value)
                        names.add(name)
                changed.append(row)
                deltas.append((before, aggregates.snapshot(row)))
        if changed:  # the columns that changed, in one UPDATE
            written += bulk.update(changed, sorted(names))
        TicketFact.objects.bulk_create(create, batch_size=500)
        aggregates.apply_many(deltas)
        return written + len(create)
