"""Automatic assignment of new tickets and of tickets moved to a team: each mode, skills,
availability (the toggle, out of office, working hours, the cap), what is recorded when
nobody can take a ticket, and what the assignee is told."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.accounts.models import Language
from atiende.assignment import chooser
from atiende.assignment.models import Mode, TeamPolicy
from atiende.notifications.models import Channel, Notification, Preference
from atiende.sla.models import BusinessCalendar
from atiende.tickets import actions
from atiende.tickets.models import Impact, Status, Ticket, Urgency

from ..factories import AgentFactory, CategoryFactory, RequesterFactory, add_to_team, make_ticket
from .conftest import policy, settings


def _new(team, requester, creator, **fields) -> Ticket:
    return make_ticket(requester, actor=creator, team_id=team.pk, **fields)


def _entries(ticket):
    return list(ticket.events.filter(type="assignment").order_by("id"))


def test_round_robin_gives_each_agent_one_in_turn(desk, agents, requester, other_agent):
    policy(desk)
    tickets = [_new(desk, requester, other_agent) for _ in range(6)]
    assert [t.assignee_id for t in tickets] == [a.pk for a in agents] * 2
    first = tickets[0]
    # Written assigned: the first version, status as when its creator chooses the agent.
    stored = Ticket.objects.get(pk=first.pk)
    assert (first.status, first.version) == (stored.status, stored.version) == (Status.ASSIGNED, 1)
    assert TeamPolicy.objects.get(team=desk).last_assigned_id == agents[2].pk


def test_the_ticket_is_created_assigned_with_one_explanation(desk, agents, requester, other_agent):
    policy(desk)
    ticket = _new(desk, requester, other_agent)
    # No second update after the insert: the creation and the system's explanation, nothing
    # else (no "changed Assignee", no status move).
    types = list(
        ticket.events.exclude(type="sla").order_by("id").values_list("type", "actor__username")
    )
    assert types == [("created", other_agent.username), ("assignment", "atiende-system")]
    (entry,) = _entries(ticket)
    assert entry.public is False
    assert (entry.field, entry.old_value, entry.new_value) == (
        Mode.ROUND_ROBIN,
        "assigned",
        agents[0].display_name,
    )
    assert json.loads(entry.body)["open"] == 0


def test_the_assignee_is_told_once_as_for_a_manual_assignment(desk, agents, requester, other_agent):
    policy(desk)
    ticket = _new(desk, requester, other_agent)
    told = Notification.objects.filter(ticket_id=ticket.pk, verb="ticket_assigned")
    assert list(told.values_list("user_id", flat=True)) == [agents[0].pk]
    assert told.get().params["actor"] == "Atiende"


def test_the_team_is_not_told_of_a_ticket_assigned_at_creation(
    desk, agents, requester, other_agent
):
    """The known bug: members who want "a ticket arrives unassigned in my team's queue" were
    told of tickets assigned automatically an instant later. Written assigned, it never is."""
    Preference.objects.create(team=desk, event="queue", channel=Channel.APP, enabled=True)
    policy(desk, default_cap=1)
    assigned = _new(desk, requester, other_agent)
    assert assigned.assignee_id == agents[0].pk
    assert not Notification.objects.filter(ticket_id=assigned.pk, verb="ticket_queued").exists()
    # The preference works: a ticket nobody can take (all at their cap) does arrive unassigned.
    _new(desk, requester, other_agent), _new(desk, requester, other_agent)
    waiting = _new(desk, requester, other_agent)
    assert waiting.assignee_id is None
    queued = Notification.objects.filter(ticket_id=waiting.pk, verb="ticket_queued")
    assert set(queued.values_list("user_id", flat=True)) == {a.pk for a in agents}


def test_an_agent_creating_a_ticket_the_turn_gives_them_is_told(desk, agents, requester):
    """The system chose, not the creator: the creator is told like anyone else."""
    policy(desk)
    ticket = make_ticket(requester, actor=agents[0], team_id=desk.pk)
    assert ticket.assignee_id == agents[0].pk
    told = Notification.objects.get(ticket_id=ticket.pk, verb="ticket_assigned")
    assert (told.user_id, told.params["actor"]) == (agents[0].pk, "Atiende")


def test_a_requesters_ticket_routed_to_the_team_is_assigned(desk, agents, requester):
    from atiende.tickets.models import DeskSettings

    desk_settings = DeskSettings.load()
    desk_settings.default_team = desk
    desk_settings.save()
    policy(desk)
    ticket = make_ticket(requester)  # the portal: no team chosen, the desk's default
    assert ticket.assignee_id == agents[0].pk


def test_manual_mode_no_policy_and_a_chosen_assignee_are_left_alone(
    desk, agents, requester, other_agent
):
    assert _new(desk, requester, other_agent).assignee_id is None
    policy(desk, Mode.MANUAL)
    assert _new(desk, requester, other_agent).assignee_id is None
    policy(desk)
    chosen = _new(desk, requester, other_agent, assignee_id=agents[2].pk)
    assert chosen.assignee_id == agents[2].pk
    assert _entries(chosen) == []


def test_least_loaded_weighs_open_tickets_by_priority(desk, agents, requester, other_agent):
    a, b, c = agents
    # a: one critical ticket; b: two low ones; c: one high and one low. Counting tickets
    # would pick a; weighing them by priority picks b.
    _new(desk, requester, other_agent, assignee_id=a.pk, impact=Impact.HIGH, urgency=Urgency.HIGH)
    for _ in range(2):
        _new(desk, requester, other_agent, assignee_id=b.pk)
    _new(desk, requester, other_agent, assignee_id=c.pk, impact=Impact.HIGH, urgency=Urgency.MEDIUM)
    _new(desk, requester, other_agent, assignee_id=c.pk)
    policy(desk, Mode.LEAST_LOADED)
    ticket = _new(desk, requester, other_agent)
    assert ticket.assignee_id == b.pk
    loads = {
        agent.pk: sum(6 - t.priority for t in Ticket.objects.filter(assignee=agent))
        for agent in agents
    }
    body = json.loads(_entries(ticket)[0].body)
    assert (body["open"], body["load"]) == (2, loads[b.pk] - (6 - ticket.priority))
    assert loads[b.pk] - (6 - ticket.priority) < min(loads[a.pk], loads[c.pk])
    # Resolved tickets weigh nothing: b's two done, b is lightest again.
    for done in Ticket.objects.filter(assignee=b).exclude(pk=ticket.pk):
        actions.ticket_transition(
            actor=b, ticket_id=done.pk, version=None, to=Status.RESOLVED,
            resolution_code="solved", resolution_notes="Done.",
        )  # fmt: skip
    assert _new(desk, requester, other_agent).assignee_id == b.pk


def test_skills_match_category_and_language(desk, agents, other_agent):
    a, b, c = agents
    printers, network = CategoryFactory(name="Printers"), CategoryFactory(name="Network")
    policy(desk, use_skills=True)
    settings(a, categories=[network])
    settings(b, categories=[printers], languages=[Language.ENGLISH])
    settings(c, categories=[printers], languages=[Language.SPANISH])
    spanish = RequesterFactory(language=Language.SPANISH)
    english = RequesterFactory(language=Language.ENGLISH)
    assert _new(desk, spanish, other_agent, category_id=printers.pk).assignee_id == c.pk
    assert _new(desk, english, other_agent, category_id=printers.pk).assignee_id == b.pk
    assert _new(desk, english, other_agent, category_id=network.pk).assignee_id == a.pk
    # Skills off: the same ticket goes to whoever's turn it is.
    policy(desk, use_skills=False)
    assert _new(desk, spanish, other_agent, category_id=network.pk).assignee_id == b.pk


def test_unavailable_and_out_of_office_agents_are_skipped(desk, agents, requester, other_agent):
    a, b, c = agents
    policy(desk)
    now = datetime.now(UTC)
    settings(a, available=False)
    settings(b, away_from=now - timedelta(hours=1), away_until=now + timedelta(days=2))
    assert [_new(desk, requester, other_agent).assignee_id for _ in range(2)] == [c.pk, c.pk]
    # Back from holidays: the turn includes b again.
    settings(b, away_until=now - timedelta(minutes=1))
    assert _new(desk, requester, other_agent).assignee_id == b.pk


def test_outside_working_hours_on_the_agents_calendar(desk, agents, requester, other_agent):
    a, b, c = agents
    office = BusinessCalendar.objects.create(
        name="Madrid office", time_zone="Europe/Madrid", hours={"mon-fri": "09:00-17:00"}
    )
    policy(desk)
    for agent in (a, b):
        settings(agent, calendar=office)
    saturday = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
    monday = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # 11:00 in Madrid
    with time_machine.travel(saturday, tick=False):
        assert _new(desk, requester, other_agent).assignee_id == c.pk
    with time_machine.travel(monday, tick=False):
        assert _new(desk, requester, other_agent).assignee_id == a.pk
    # A team that ignores working hours gives tickets out at weekends too.
    policy(desk, respect_working_hours=False)
    with time_machine.travel(saturday, tick=False):
        assert _new(desk, requester, other_agent).assignee_id == b.pk


def test_cap_reached_leaves_the_ticket_in_the_queue_and_records_why(
    desk, agents, requester, other_agent
):
    a, b, c = agents
    policy(desk, default_cap=1)
    settings(c, cap=2, away_from=datetime.now(UTC) - timedelta(hours=1))
    first, second = _new(desk, requester, other_agent), _new(desk, requester, other_agent)
    assert (first.assignee_id, second.assignee_id) == (a.pk, b.pk)
    left = _new(desk, requester, other_agent)
    assert left.assignee_id is None
    assert left.status == Status.NEW
    assert Ticket.objects.get(pk=left.pk).team_id == desk.pk
    (entry,) = _entries(left)
    assert entry.old_value == "nobody"
    assert json.loads(entry.body) == {"members": 3, "skipped": {"at_cap": 2, "away": 1}}
    assert not Notification.objects.filter(ticket_id=left.pk, verb="ticket_assigned").exists()


def test_a_ticket_moved_to_the_team_unassigned_is_assigned_after_the_move(
    desk, agents, requester, other_agent, other_team, django_capture_on_commit_callbacks
):
    policy(desk)
    ticket = _new(other_team, requester, other_agent)
    with django_capture_on_commit_callbacks(execute=True):
        moved = actions.ticket_update(
            actor=other_agent, ticket_id=ticket.pk, version=ticket.version,
            changes={"team": desk.pk},
        )  # fmt: skip
    assert moved.assignee_id is None  # the mover's answer: the move they made
    ticket.refresh_from_db()
    assert ticket.assignee_id == agents[0].pk
    assert ticket.version == moved.version + 1
    assert Notification.objects.filter(
        ticket_id=ticket.pk, verb="ticket_assigned", user_id=agents[0].pk
    ).exists()


def test_the_choice_is_one_query_whatever_the_team_size(desk, requester, other_agent):
    office = BusinessCalendar.objects.create(name="Office", is_24x7=True)
    members = [add_to_team(AgentFactory(), desk) for _ in range(20)]
    for agent in members[:10]:
        settings(agent, calendar=office, cap=50)
        _new(desk, requester, other_agent, assignee_id=agent.pk)
    found_policy = policy(desk, Mode.LEAST_LOADED, use_skills=True, default_cap=10)
    category = CategoryFactory()
    office.to_calendar()  # built once per process (sla.BusinessCalendar)
    with CaptureQueriesContext(connection) as queries:
        found = chooser.candidates(
            found_policy, category_id=category.pk, language="es", now=datetime.now(UTC)
        )
    assert len(queries) == 1
    assert len(found) == 20
    assert {c.user_id: c.open for c in found if c.open} == {a.pk: 1 for a in members[:10]}


def test_creation_cost_does_not_grow_with_the_team(desk, agents, requester, other_agent):
    """Three agents or twenty-three: the same statements to create and assign a ticket."""
    policy(desk, Mode.LEAST_LOADED, default_cap=100)
    _new(desk, requester, other_agent)  # warm: the system account, the memo of teams

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert _new(desk, requester, other_agent).assignee_id is not None
        return len(queries)

    small = cost()
    for _ in range(20):
        add_to_team(AgentFactory(), desk)
    assert cost() == small


def test_a_team_without_automatic_assignment_costs_creation_no_query(
    desk, agents, requester, other_agent, other_team
):
    policy(desk)
    _new(other_team, requester, other_agent)  # warm the memo of automatic teams
    with CaptureQueriesContext(connection) as queries:
        _new(other_team, requester, other_agent)
    assert not [q for q in queries.captured_queries if "assignment_" in q["sql"]]


def _move(ticket, team, actor, capture):
    with capture(execute=True):
        return actions.ticket_update(
            actor=actor, ticket_id=ticket.pk, version=None, changes={"team": team.pk}
        )


def test_a_ticket_moved_in_is_assigned_before_the_queue_would_hear_of_it(
    desk, agents, requester, other_agent, other_team, django_capture_on_commit_callbacks
):
    """The known bug: moved into a team with automatic assignment, the team's "arrived
    unassigned" notice went out with the move, an instant before the ticket was assigned."""
    Preference.objects.create(team=desk, event="queue", channel=Channel.APP, enabled=True)
    policy(desk)
    ticket = _new(other_team, requester, other_agent)
    _move(ticket, desk, other_agent, django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    assert ticket.assignee_id == agents[0].pk
    assert not Notification.objects.filter(ticket_id=ticket.pk, verb="ticket_queued").exists()
    assert Notification.objects.filter(ticket_id=ticket.pk, verb="ticket_assigned").exists()


def test_a_ticket_moved_in_that_nobody_can_take_is_queued_after_the_choice(
    desk, agents, requester, other_agent, other_team, django_capture_on_commit_callbacks
):
    Preference.objects.create(team=desk, event="queue", channel=Channel.APP, enabled=True)
    policy(desk, default_cap=0)
    ticket = _new(other_team, requester, other_agent)
    _move(ticket, desk, other_agent, django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    assert ticket.assignee_id is None
    (entry,) = _entries(ticket)
    assert entry.old_value == "nobody"
    queued = Notification.objects.filter(ticket_id=ticket.pk, verb="ticket_queued")
    assert set(queued.values_list("user_id", flat=True)) == {a.pk for a in agents}
    # Told after the choice was recorded, once.
    assert queued.count() == len(agents)
    assert all(n.created_at >= entry.created_at for n in queued)


def test_a_ticket_moved_into_a_manual_team_is_queued_with_the_move(
    desk, agents, requester, other_agent, other_team
):
    Preference.objects.create(team=desk, event="queue", channel=Channel.APP, enabled=True)
    ticket = _new(other_team, requester, other_agent)
    actions.ticket_update(
        actor=other_agent, ticket_id=ticket.pk, version=None, changes={"team": desk.pk}
    )  # no commit callbacks: the notice is the move's own
    queued = Notification.objects.filter(ticket_id=ticket.pk, verb="ticket_queued")
    assert set(queued.values_list("user_id", flat=True)) == {a.pk for a in agents}
