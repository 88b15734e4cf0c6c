"""The fan-out's structure (bench/fanout.py, docs/notifications.md): followers and the actor's
name in one query, the rows in one INSERT … SELECT (core.bulk.insert_spread), the same rows
and the same e-mail event as before, whatever the number of followers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.core import bulk, clock, events
from atiende.notifications import actions as notifications
from atiende.notifications.events import NotificationsCreated, NotificationsMailed
from atiende.notifications.models import Channel, Notification, Preference
from atiende.tickets import actions
from atiende.tickets.models import TicketFollower

from ..factories import AgentFactory, add_to_team, make_ticket

pytestmark = pytest.mark.django_db


def test_insert_spread_writes_what_one_row_each_would(agent, manager, other_agent):
    now = clock.now()
    params = {"number": "INC-000001", "actor": "Ana Díaz", "nested": {"a": [1, 2]}}
    ids = [agent.pk, manager.pk, other_agent.pk]
    common = {"ticket_id": None, "verb": "ticket_activity", "params": params,
              "created_at": now, "read_at": None}  # fmt: skip
    assert bulk.insert_spread(Notification, common, "user_id", ids) == 3
    assert bulk.insert_spread(Notification, common, "user_id", []) == 0
    rows = Notification.objects.order_by("user_id")
    assert [n.user_id for n in rows] == sorted(ids)
    for n in rows:
        assert (n.ticket_id, n.verb, n.params, n.created_at, n.read_at) == (
            None, "ticket_activity", params, now, None
        )  # fmt: skip


def _followed_ticket(requester, team, followers: int):
    ticket = make_ticket(requester)
    people = [add_to_team(AgentFactory(), team) for _ in range(followers)]
    TicketFollower.objects.bulk_create(
        TicketFollower(ticket=ticket, user=p, created_at=ticket.created_at) for p in people
    )
    return ticket, people


def _reply_queries(actor, ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        actions.comment_add(actor=actor, ticket_id=ticket.pk, body="Checked the spooler")
    return len(queries.captured_queries)


def test_fan_out_costs_the_same_queries_for_one_follower_or_ten(
    agent, requester, team, desk_default_team
):
    one, _ = _followed_ticket(requester, team, 1)
    ten, people = _followed_ticket(requester, team, 10)
    _reply_queries(agent, one), _reply_queries(agent, ten)  # the author now follows both
    assert _reply_queries(agent, one) == _reply_queries(agent, ten)
    told = Notification.objects.filter(ticket=ten, verb="ticket_activity")
    assert sorted(told.values_list("user_id", flat=True)) == sorted([p.pk for p in people] * 2)
    assert {n.params["actor"] for n in told} == {agent.display_name}
    assert {n.params["number"] for n in told} == {ten.number}
    assert not told.filter(user=agent).exists()  # never the actor


def test_fan_out_publishes_the_same_events(agent, requester, team, desk_default_team, monkeypatch):
    ticket, people = _followed_ticket(requester, team, 3)
    mailer = people[0]
    Preference.objects.create(user=mailer, event="followed", channel=Channel.EMAIL, enabled=True)
    Preference.objects.create(user=people[1], event="followed", channel=Channel.APP, enabled=False)
    seen: list = []
    original = events.publish
    monkeypatch.setattr(events, "publish", lambda e: (seen.append(e), original(e))[1])
    actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Replaced the drum")
    created = [e for e in seen if isinstance(e, NotificationsCreated)]
    mailed = [e for e in seen if isinstance(e, NotificationsMailed)]
    assert [sorted(r[0] for r in e.rows) for e in created] == [sorted([people[0].pk, people[2].pk])]
    row = created[0].rows[0]
    assert row[1:] == (ticket.pk, "ticket_activity", {"number": ticket.number,
                                                       "actor": agent.display_name})  # fmt: skip
    assert [e.user_ids for e in mailed] == [(mailer.pk,)]


def test_tell_still_answers_how_many_were_told(agent, manager, requester, desk_default_team):
    ticket = make_ticket(requester)
    told = notifications.tell(
        verb="ticket_activity", ticket_id=ticket.pk, user_ids=[agent.pk, manager.pk, None],
        actor_id=manager.pk, params={"number": ticket.number, "actor": "x"},
    )  # fmt: skip
    assert told == 1
    assert list(Notification.objects.values_list("user_id", flat=True)) == [agent.pk]
