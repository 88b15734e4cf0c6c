"""The batched transition (tickets.actions.ticket_transition_many, the time-rule sweep's
"close resolved tickets") has exactly the effects of the single one on each ticket: the same
set of tickets closed both ways, on the same data, leaves the same rows in every table
(tickets, timeline, outbox, SLA clocks, facts, daily aggregates, surveys, webhooks,
notifications, event rules' work...)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import transaction

from atiende.accounts.actions import system_actor
from atiende.automation import actions as automation
from atiende.core import clock
from atiende.tickets import actions
from atiende.tickets.models import Status, TicketEvent
from atiende.webhooks.models import Webhook

from ..factories import AgentFactory, RequesterFactory, add_to_team, make_ticket

CLOSING = "Closed: no answer for a while."


RANDOM = [
    (re.compile(r"[0-9a-f]{32}@localhost"), "<message-id>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
]


def _every_row() -> dict[str, list[str]]:
    """Every table's rows, as comparable text: ids left out (the two runs number new rows
    differently), a timeline entry named by what it is rather than its id, random values
    (message ids, UUIDs) masked."""
    entries = {
        pk: key
        for pk, *key in TicketEvent.objects.values_list(
            "pk", "ticket_id", "type", "field", "new_value", "body"
        )
    }
    found = {}
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        if not fields:
            continue
        to_entry = [
            i for i, f in enumerate(fields) if f.is_relation and f.related_model is TicketEvent
        ]
        rows = []
        for row in model.objects.values_list(*[f.attname for f in fields]):
            row = list(row)
            for i in to_entry:
                row[i] = entries.get(row[i], row[i])
            text = repr(row)
            for pattern, mask in RANDOM:
                text = pattern.sub(mask, text)
            rows.append(text)
        found[model._meta.label] = sorted(rows)
    return found


def _run(close, ids, at, capture) -> dict[str, list[str]]:
    with transaction.atomic():
        with time_machine.travel(at, tick=False), capture(execute=True):
            close(ids)
        rows = _every_row()
        transaction.set_rollback(True)
    return rows


@pytest.mark.django_db
def test_closing_many_at_once_leaves_the_same_rows_as_one_at_a_time(
    agent, team, manager, django_capture_on_commit_callbacks
):
    Webhook.objects.create(
        name="hook", url="https://example.com/hook", secret="s", owner=manager,
        events=["ticket.status_changed", "ticket.commented"],
    )  # fmt: skip
    automation.rule_create(actor=manager, data={
        "name": "Tag closed", "trigger": "status",
        "conditions": [{"field": "status", "op": "in", "values": ["closed"]}],
        "actions": [{"type": "add_tag", "value": "auto-closed"}],
    })  # fmt: skip
    follower = add_to_team(AgentFactory(), team)
    start = clock.now() - timedelta(days=10)
    made = []
    with time_machine.travel(start, tick=False):
        for n in range(6):
            ticket = make_ticket(RequesterFactory(), actor=agent, team_id=team.pk)
            made.append(ticket)
            if n == 5:
                continue  # still open: the workflow refuses to close it
            actions.ticket_transition(
                actor=agent, ticket_id=ticket.pk, to="resolved", resolution_code="solved",
                resolution_notes="Fixed.",
            )  # fmt: skip
        actions.ticket_follow(actor=follower, ticket_id=made[0].pk)
        actions.participant_add(actor=agent, ticket_id=made[1].pk, email="boss@example.com")
    bot = system_actor()
    ids = [t.pk for t in made]
    at = start + timedelta(days=5)

    def one_at_a_time(ids):
        for pk in ids:
            try:
                with transaction.atomic():
                    actions.ticket_transition(actor=bot, ticket_id=pk, to="closed", comment=CLOSING)
            except actions.DomainError:
                pass

    refused = {}

    def all_at_once(ids):
        result = actions.ticket_transition_many(
            actor=bot, ticket_ids=ids, to="closed", comment=CLOSING
        )
        refused.update(result.refused)

    single = _run(one_at_a_time, ids, at, django_capture_on_commit_callbacks)
    batch = _run(all_at_once, ids, at, django_capture_on_commit_callbacks)

    assert list(refused) == [made[5].pk]
    differing = [label for label in single if single[label] != batch[label]]
    assert differing == [], "\n".join(
        f"{label}:\n  single only: {sorted(set(single[label]) - set(batch[label]))}"
        f"\n  batch only: {sorted(set(batch[label]) - set(single[label]))}"
        for label in differing
    )
    # The closing did write (so the comparison compares something).
    assert single["tickets.Ticket"] != _every_row()["tickets.Ticket"]
    assert Status.CLOSED in "".join(single["tickets.Ticket"])
