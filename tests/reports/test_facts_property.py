"""Property: on any history of ticket actions (replies by agents and requesters, notes,
transitions including reopens and pauses, team moves, assignments, merges, SLA sweeps), the
facts kept incrementally equal the facts recomputed from the raw rows, and the daily
aggregates kept by deltas equal the aggregates recomputed from those facts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.core.errors import DomainError
from atiende.reports import actions as report_actions
from atiende.reports import aggregates, facts
from atiende.reports.models import TicketFact
from atiende.sla.actions import sweep_due
from atiende.tickets import actions

from ..factories import make_ticket
from .conftest import at

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")

STATUSES = ["assigned", "in_progress", "pending", "resolved", "closed", "cancelled", "new"]
ticket_index = st.integers(0, 2)
steps = st.one_of(
    st.tuples(st.just("reply"), ticket_index),
    st.tuples(st.just("requester_reply"), ticket_index),
    st.tuples(st.just("note"), ticket_index),
    st.tuples(st.just("to"), ticket_index, st.sampled_from(STATUSES)),
    st.tuples(st.just("team"), ticket_index, st.sampled_from([0, 1, None])),
    st.tuples(st.just("assign"), ticket_index),
    st.tuples(st.just("merge"), ticket_index, ticket_index),
    st.tuples(st.just("sweep")),
)
histories = st.lists(st.tuples(steps, st.integers(0, 2 * 24 * 60)), max_size=14)


class Rollback(Exception):
    pass


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories)
def test_stored_facts_equal_a_recomputation(history, committed, requester, agent, team, other_team):
    teams = [team, other_team]
    try:
        with transaction.atomic():
            now = at(2, 8)
            tickets = []
            for _ in range(3):
                now += timedelta(minutes=17)
                with committed(now):
                    tickets.append(make_ticket(requester))
            for step, minutes in history:
                now += timedelta(minutes=minutes)
                with committed(now):
                    _apply(step, tickets, teams, requester, agent, now)
            ids = [t.pk for t in tickets]
            wanted = facts.recompute(ids)
            stored = TicketFact.objects.in_bulk(ids)
            for pk in ids:
                assert {name: getattr(stored[pk], name) for name in wanted[pk]} == wanted[pk]
            first, last = date(2026, 2, 1), date(2026, 6, 30)
            have = {k: v for k, v in aggregates.stored(first, last).items() if v}
            assert have == dict(aggregates.recompute(first, last))
            assert aggregates.rebuild(first, last) == 0  # nothing to repair
            raise Rollback
    except Rollback:
        pass


def _apply(step, tickets, teams, requester, agent, now):
    name, *args = step
    try:
        if name == "sweep":
            sweep_due(now=now)
            report_actions.facts_refresh_breaches(now=now)
            return
        ticket = tickets[args[0]]
        if name == "reply":
            actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Agent reply.")
        elif name == "requester_reply":
            actions.requester_reply_add(actor=requester, ticket_id=ticket.pk, body="Still broken.")
        elif name == "note":
            actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Note.", public=False)
        elif name == "to":
            extra = {}
            if args[1] == "resolved":
                extra = {"resolution_code": "solved", "resolution_notes": "Done."}
            if args[1] == "pending":
                extra = {"pending_reason": "requester"}
            actor = requester if args[1] == "closed" else agent
            actions.ticket_transition(actor=actor, ticket_id=ticket.pk, to=args[1], **extra)
        elif name == "team":
            team = None if args[1] is None else teams[args[1]].pk
            actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=None,
                                  changes={"team": team})  # fmt: skip
        elif name == "assign":
            actions.ticket_update(actor=agent, ticket_id=ticket.pk, version=None,
                                  changes={"assignee": agent.pk})  # fmt: skip
        elif name == "merge" and args[0] != args[1]:
            actions.ticket_merge(actor=agent, ticket_id=ticket.pk, into=tickets[args[1]].pk)
    except DomainError:
        pass  # a refused action changes nothing
