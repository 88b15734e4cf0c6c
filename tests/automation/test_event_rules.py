"""Event rules: each condition, each action (done through the tickets' own actions, traced in
the timeline with the system user and the rule's name), order, and loop protection."""

from __future__ import annotations

import pytest

from atiende.accounts.actions import system_actor
from atiende.automation import engine
from atiende.automation.models import TicketTag
from atiende.canned.models import CannedResponse, Scope
from atiende.cmdb.models import ConfigurationItem, TicketItem
from atiende.core.errors import ValidationFailed
from atiende.notifications.models import Notification
from atiende.sla.models import BusinessCalendar
from atiende.tickets import actions as ticket_actions
from atiende.tickets.models import Channel, Kind, Status, Ticket, TicketFollower, TicketLink

from ..factories import AgentFactory, CategoryFactory, TeamFactory, add_to_team, make_ticket

pytestmark = pytest.mark.django_db


def traces(ticket):
    return list(
        ticket.events.filter(field=engine.TRACE_FIELD)
        .order_by("id")
        .values_list("new_value", "body")
    )


def route_to(team):
    return [{"type": "set_field", "field": "team", "value": str(team.pk)}]


def test_created_rule_routes_the_ticket_and_traces_it(make_rule, requester, other_team):
    make_rule(
        conditions=[{"field": "title", "op": "contains", "values": ["PRINTER"]}],
        rule_actions=route_to(other_team),
        name="Printers to infra",
    )
    ticket = make_ticket(requester)
    assert ticket.team_id == other_team.pk  # the caller's row shows the rule's change
    assert Ticket.objects.get(pk=ticket.pk).team_id == other_team.pk
    change = ticket.events.get(field="team")
    assert change.actor_id == system_actor().pk
    ((name, body),) = traces(ticket)
    assert name == "Printers to infra"
    assert other_team.name in body


def test_conditions_that_do_not_hold_do_nothing(make_rule, requester, other_team):
    make_rule(
        conditions=[{"field": "title", "op": "contains", "values": ["scanner"]}],
        rule_actions=route_to(other_team),
    )
    ticket = make_ticket(requester)
    assert ticket.team_id != other_team.pk
    assert traces(ticket) == []


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "kind", "op": "in", "values": ["incident"]}, True),
        ({"field": "kind", "op": "not_in", "values": ["incident"]}, False),
        ({"field": "status", "op": "in", "values": ["new"]}, True),
        ({"field": "channel", "op": "in", "values": ["email"]}, False),
        ({"field": "priority", "op": "in", "values": ["5"]}, True),
        ({"field": "impact", "op": "in", "values": ["3"]}, True),
        ({"field": "urgency", "op": "not_in", "values": ["3"]}, False),
        ({"field": "assignee", "op": "empty", "values": []}, True),
        ({"field": "assignee", "op": "not_empty", "values": []}, False),
        ({"field": "description", "op": "contains", "values": ["MORNING"]}, True),
        ({"field": "title", "op": "not_contains", "values": ["printer"]}, False),
    ],
)
def test_each_field_condition(make_rule, requester, other_team, condition, expected):
    make_rule(conditions=[condition], rule_actions=route_to(other_team))
    ticket = make_ticket(requester)
    assert (ticket.team_id == other_team.pk) is expected


def test_organisation_requester_and_category_conditions(
    make_rule, requester, other_requester, other_team
):
    category = CategoryFactory()
    make_rule(
        conditions=[
            {"field": "organization", "op": "in", "values": [str(requester.organization_id)]},
            {"field": "requester", "op": "in", "values": [str(requester.pk)]},
            {"field": "category", "op": "in", "values": [str(category.pk)]},
        ],
        rule_actions=route_to(other_team),
    )
    assert make_ticket(requester, category_id=category.pk).team_id == other_team.pk
    assert make_ticket(requester).team_id != other_team.pk
    assert make_ticket(other_requester, category_id=category.pk).team_id != other_team.pk


def test_service_condition(make_rule, requester, agent, other_team):
    from atiende.core import clock

    now = clock.now()
    item = ConfigurationItem.objects.create(
        name="Mail service", ci_class="service", created_at=now, updated_at=now
    )
    make_rule(
        name="Mail",
        trigger="commented",
        conditions=[{"field": "service", "op": "in", "values": [str(item.pk)]}],
        rule_actions=route_to(other_team),
    )
    ticket = make_ticket(requester, actor=agent, team_id=agent.teams.first().pk)
    ticket_actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Looking")
    assert Ticket.objects.get(pk=ticket.pk).team_id != other_team.pk
    TicketItem.objects.create(ticket=ticket, item=item, created_at=now)
    ticket_actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Again")
    assert Ticket.objects.get(pk=ticket.pk).team_id == other_team.pk


def test_comment_text_condition(make_rule, requester, other_team):
    make_rule(
        trigger="commented",
        conditions=[{"field": "comment", "op": "contains", "values": ["urgent"]}],
        rule_actions=[{"type": "set_field", "field": "priority", "value": "1"}],
    )
    ticket = make_ticket(requester)
    ticket_actions.comment_add(actor=requester, ticket_id=ticket.pk, body="Not much")
    assert Ticket.objects.get(pk=ticket.pk).priority == 5
    ticket_actions.comment_add(actor=requester, ticket_id=ticket.pk, body="It is URGENT now")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.priority == 1
    assert ticket.priority_overridden


def test_time_of_day_condition(make_rule, requester, other_team, time_machine):
    calendar = next(
        c for c in BusinessCalendar.objects.all() if not c.to_calendar().hours.is_always
    )
    make_rule(
        conditions=[{"field": "time", "op": "closed", "values": [str(calendar.pk)]}],
        rule_actions=route_to(other_team),
    )
    cal = calendar.to_calendar()
    time_machine.move_to("2026-12-07 03:00:00+00:00", tick=False)  # a Monday, at night
    engine.calendars.forget()
    night = make_ticket(requester)
    assert (night.team_id == other_team.pk) is (not cal.is_open(night.created_at))
    time_machine.move_to("2026-12-07 11:00:00+00:00", tick=False)
    day = make_ticket(requester)
    assert (day.team_id == other_team.pk) is (not cal.is_open(day.created_at))
    assert night.team_id != day.team_id


def test_changed_fields_condition_on_update(make_rule, requester, agent, team):
    make_rule(
        trigger="updated",
        conditions=[{"field": "changed", "op": "in", "values": ["urgency"]}],
        rule_actions=[{"type": "add_tag", "value": "re-triaged"}],
    )
    ticket = make_ticket(requester, actor=agent, team_id=team.pk)
    ticket_actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"title": "T"}
    )
    assert not TicketTag.objects.filter(ticket=ticket).exists()
    ticket_actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"urgency": 1}
    )
    assert list(TicketTag.objects.filter(ticket=ticket).values_list("name", flat=True)) == [
        "re-triaged"
    ]
    assert ticket.events.filter(field="tags", new_value="re-triaged").exists()


def test_actions_assign_note_reply_notify_follow_link(make_rule, requester, agent, team):
    follower = AgentFactory()
    add_to_team(follower, team)
    problem = make_ticket(requester, actor=agent, kind=Kind.PROBLEM, title="Printers keep failing")
    canned = CannedResponse.objects.create(
        title="Thanks", body="Hello {{requester.first_name}}, we are on it.", scope=Scope.GLOBAL
    )
    make_rule(
        name="Printer triage",
        conditions=[{"field": "kind", "op": "in", "values": ["incident"]}],
        rule_actions=[
            {"type": "set_field", "field": "team", "value": str(team.pk)},
            {"type": "set_field", "field": "assignee", "value": str(agent.pk)},
            {"type": "add_note", "text": "Check the toner first."},
            {"type": "reply_canned", "value": str(canned.pk)},
            {"type": "notify", "value": "assignee", "text": "A printer again"},
            {"type": "follow", "value": str(follower.pk)},
            {"type": "link_problem", "value": str(problem.pk)},
        ],
    )
    ticket = make_ticket(requester)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.assignee_id == agent.pk
    assert ticket.status == Status.ASSIGNED  # the workflow's own rule for an assignment
    note = ticket.events.get(type="note")
    assert note.body == "Check the toner first." and not note.public
    reply = ticket.events.get(type="comment")
    assert reply.public and reply.body == f"Hello {requester.first_name}, we are on it."
    assert Notification.objects.filter(user=agent, verb="automation_notice", ticket=ticket).exists()
    assert TicketFollower.objects.filter(ticket=ticket, user=follower).exists()
    assert TicketLink.objects.filter(from_ticket=ticket, to_ticket=problem).exists()
    ((name, body),) = traces(ticket)
    assert name == "Printer triage"
    assert len(body.splitlines()) == 7


def test_status_action_goes_through_the_workflow_guards(make_rule, requester, agent, team):
    make_rule(
        name="Resolve spam",
        conditions=[{"field": "title", "op": "contains", "values": ["lottery"]}],
        rule_actions=[
            {"type": "set_status", "value": "resolved", "field": "withdrawn", "text": "Spam."}
        ],
    )
    ticket = make_ticket(requester, title="You won the lottery")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == Status.RESOLVED
    assert ticket.resolution_code == "withdrawn"


def test_a_refused_action_undoes_the_rule_and_is_traced_but_the_change_stands(
    make_rule, requester, agent
):
    make_rule(
        name="Bad",
        rule_actions=[
            {"type": "add_tag", "value": "seen"},
            {"type": "set_status", "value": "closed"},  # new -> closed: the workflow refuses
        ],
    )
    ticket = make_ticket(requester)
    assert Ticket.objects.filter(pk=ticket.pk, status=Status.NEW).exists()
    assert not TicketTag.objects.filter(ticket=ticket).exists()
    ((name, body),) = traces(ticket)
    assert name == "Bad" and body.startswith("Did nothing")


def test_rules_run_in_order_and_disabled_ones_do_not(make_rule, requester, team, other_team):
    third = TeamFactory(name="Third")
    make_rule(name="First", rule_actions=route_to(other_team))
    second = make_rule(
        name="Second",
        conditions=[{"field": "team", "op": "in", "values": [str(other_team.pk)]}],
        rule_actions=route_to(third),
    )
    ticket = make_ticket(requester)
    assert ticket.team_id == third.pk  # the second saw the first's change
    from atiende.automation import actions

    actions.rule_set_enabled(actor=second.created_by, rule_id=second.pk, enabled=False)
    assert make_ticket(requester).team_id == other_team.pk


def test_a_rule_does_not_retrigger_itself(make_rule, requester, agent, team):
    # Every update sets the urgency, which is an update: without protection, a loop.
    rule = make_rule(
        name="Ping-pong",
        trigger="updated",
        rule_actions=[
            {"type": "add_note", "text": "noted"},
            {"type": "set_field", "field": "urgency", "value": "1"},
        ],
    )
    ticket = make_ticket(requester, actor=agent, team_id=team.pk)
    ticket_actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"title": "X"}
    )
    assert [name for name, _b in traces(ticket)] == [rule.name]
    assert ticket.events.filter(type="note").count() == 1


def test_a_chain_stops_at_the_documented_depth_and_says_why(make_rule, requester, agent, team):
    # Rules A1..A7 each trigger on an update and change the title: each one triggers the next.
    for n in range(7):
        make_rule(
            name=f"A{n}",
            trigger="updated",
            rule_actions=[{"type": "set_field", "field": "impact", "value": str(1 + n % 3)}],
        )
    ticket = make_ticket(requester, actor=agent, team_id=team.pk)
    ticket_actions.ticket_update(
        actor=agent, ticket_id=ticket.pk, version=None, changes={"title": "Go"}
    )
    found = traces(ticket)
    acted = [name for name, body in found if not body.startswith("Stopped")]
    stopped = [(name, body) for name, body in found if body.startswith("Stopped")]
    assert sorted(acted) == [f"A{n}" for n in range(engine.MAX_DEPTH)]
    ((name, why),) = stopped
    assert name == f"A{engine.MAX_DEPTH}" and str(engine.MAX_DEPTH) in why


def test_bad_rules_are_refused_with_the_row_named(manager):
    from atiende.automation import actions

    with pytest.raises(ValidationFailed) as caught:
        actions.rule_create(
            actor=manager,
            data={
                "name": "X",
                "trigger": "created",
                "conditions": [{"field": "status", "op": "contains", "values": ["x"]}],
                "actions": [{"type": "set_field", "field": "team", "value": "999999"}],
            },
        )
    assert set(caught.value.errors) == {"conditions.0.op", "actions.0.value"}
    from atiende.automation.models import Rule

    assert not Rule.objects.exists()


def test_agents_cannot_manage_rules(agent):
    from atiende.automation import actions
    from atiende.core.errors import Forbidden

    with pytest.raises(Forbidden):
        actions.rule_create(actor=agent, data={"name": "x", "trigger": "created"})


def test_channel_condition_with_mail(make_rule, requester, other_team):
    make_rule(
        conditions=[{"field": "channel", "op": "in", "values": ["email"]}],
        rule_actions=route_to(other_team),
    )
    assert make_ticket(requester, channel=Channel.EMAIL).team_id == other_team.pk
    assert make_ticket(requester, channel=Channel.PORTAL).team_id != other_team.pk
