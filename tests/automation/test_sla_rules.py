"""Rules on SLA warnings and breaches: the sweep publishes sla.events.SlaWarned/SlaBreached
once per clock, and the rules of those triggers act on the ticket (after the sweep's batch
commits)."""

from __future__ import annotations

import pytest
import time_machine

from atiende.automation import engine
from atiende.sla import actions as sla_actions
from atiende.sla.models import BusinessCalendar
from atiende.tickets.models import Ticket

from ..factories import make_ticket
from ..sla.conftest import at, make_policy

pytestmark = pytest.mark.django_db


def test_breach_and_warning_rules_act_once(
    make_rule, requester, agent, team, other_team, django_capture_on_commit_callbacks
):
    office = BusinessCalendar.objects.create(
        name="Office", time_zone="UTC", hours={"mon-fri": "09:00-17:00"}
    )
    make_policy(office, targets={3: (60, 480, None)})
    make_rule(
        name="Breached: raise",
        trigger="sla_breach",
        rule_actions=[{"type": "set_field", "field": "priority", "value": "1"}],
    )
    make_rule(
        name="Warned: tag",
        trigger="sla_warning",
        rule_actions=[{"type": "add_tag", "value": "at-risk"}],
    )
    with time_machine.travel(at(2, 9), tick=False):
        ticket = make_ticket(requester, actor=agent, team_id=team.pk, impact=2, urgency=2)
    with django_capture_on_commit_callbacks(execute=True):
        sla_actions.sweep_due(now=at(2, 9, 50))  # first response warned (75 % of 60 min)
    with django_capture_on_commit_callbacks(execute=True):
        sla_actions.sweep_due(now=at(2, 17))  # both clocks breached
    with django_capture_on_commit_callbacks(execute=True):
        sla_actions.sweep_due(now=at(2, 18))  # nothing new
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.priority == 1
    names = list(ticket.events.filter(field=engine.TRACE_FIELD).values_list("new_value", flat=True))
    # Each rule at most once per chain; the second breach is a new chain but the priority
    # is already 1, and the tag is kept once.
    assert names.count("Warned: tag") >= 1
    assert "Breached: raise" in names
    assert ticket.tags.count() == 1
