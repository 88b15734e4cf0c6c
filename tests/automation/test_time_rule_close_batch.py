"""A time rule closing resolved tickets does it for the whole batch at once
(tickets.actions.ticket_transition_many) with exactly the rows the one-at-a-time path
leaves: the same sweep run both ways on the same data is compared table by table."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction

from atiende.accounts.actions import system_actor
from atiende.automation import actions, engine
from atiende.core import clock
from atiende.tickets import actions as ticket_actions
from atiende.tickets.models import Status
from atiende.webhooks.models import Webhook

from ..factories import AgentFactory, RequesterFactory, add_to_team, make_ticket
from ..tickets.test_transition_many import _every_row

CLOSE = [{"type": "set_status", "value": "closed", "text": "Closed: no answer for a while."}]


@pytest.mark.django_db
def test_the_sweep_closes_a_batch_with_the_rows_of_one_at_a_time(
    agent, team, manager, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    Webhook.objects.create(
        name="hook", url="https://example.com/hook", secret="s", owner=manager,
        events=["ticket.status_changed"],
    )  # fmt: skip
    actions.rule_create(actor=manager, data={
        "name": "Tag closed", "trigger": "status",
        "conditions": [{"field": "status", "op": "in", "values": ["closed"]}],
        "actions": [{"type": "add_tag", "value": "auto-closed"}],
    })  # fmt: skip
    actions.rule_create(actor=manager, data={
        "name": "Auto-close", "trigger": "scheduled", "wait": 3, "wait_unit": "days",
        "conditions": [{"field": "status", "op": "in", "values": ["resolved"]}],
        "actions": CLOSE,
    })  # fmt: skip
    follower = add_to_team(AgentFactory(), team)
    start = clock.now() - timedelta(days=10)
    with time_machine.travel(start, tick=False):
        made = [make_ticket(RequesterFactory(), actor=agent, team_id=team.pk) for _ in range(5)]
        for ticket in made:
            ticket_actions.ticket_transition(
                actor=agent, ticket_id=ticket.pk, to="resolved", resolution_code="solved",
                resolution_notes="Fixed.",
            )  # fmt: skip
        ticket_actions.ticket_follow(actor=follower, ticket_id=made[0].pk)
        ticket_actions.participant_add(actor=agent, ticket_id=made[1].pk, email="b@example.com")
    later = start + timedelta(days=4)
    system_actor()  # (made once, before both runs)

    def sweep() -> dict[str, list[str]]:
        with transaction.atomic():
            with (
                time_machine.travel(later, tick=False),
                django_capture_on_commit_callbacks(execute=True),
            ):
                assert actions.sweep_time_rules().acted == 5
            rows = _every_row()
            transaction.set_rollback(True)
        return rows

    batch = sweep()
    assert "failed on a batch" not in caplog.text  # the batch path did it, not the fallback
    assert "Closed: no answer" in repr(batch["tickets.TicketEvent"])
    with monkeypatch.context() as m:
        m.setattr(engine, "batchable", lambda spec: False)
        single = sweep()
    differing = [label for label in single if single[label] != batch[label]]
    assert differing == [], "\n".join(
        f"{label}:\n  single only: {sorted(set(single[label]) - set(batch[label]))}"
        f"\n  batch only: {sorted(set(batch[label]) - set(single[label]))}"
        for label in differing
    )
    assert single["tickets.Ticket"].__repr__().count(f"'{Status.CLOSED}'") == 5
