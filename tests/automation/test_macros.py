"""Macros: who sees and keeps each (personal, team, everyone's), validation through the rules'
schema, applying one as the person (their name on the reply, the macro named in the trace),
all or nothing, the ticket's version, bulk reports per ticket, and tags."""

from __future__ import annotations

import pytest

from atiende.accounts.models import TeamMembership
from atiende.automation import actions, engine, selectors
from atiende.automation.models import Macro, TicketTag
from atiende.canned.models import CannedResponse, Scope
from atiende.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from atiende.tickets.models import EventType, Status, Ticket, TicketFollower

from ..factories import AgentFactory, make_ticket

pytestmark = pytest.mark.django_db


def new_macro(actor, name="Printer fix", scope="personal", team=None, rows=None):
    return actions.macro_create(
        actor=actor,
        data={
            "name": name,
            "scope": scope,
            "team": team.pk if team else None,
            "actions": rows or [{"type": "add_note", "text": "Checked the toner."}],
        },
    )


@pytest.fixture
def ticket(requester, desk_default_team):
    return make_ticket(requester)


# --- who sees, who keeps --------------------------------------------------------------------


def test_visibility_by_scope(agent, other_agent, manager, team, other_team):
    mine = new_macro(agent, "Mine")
    theirs = new_macro(other_agent, "Theirs")
    TeamMembership.objects.filter(user=agent, team=team).update(is_lead=True)
    team_macro = new_macro(agent, "Desk team", scope="team", team=team)
    other_team_macro = new_macro(manager, "Networks team", scope="team", team=other_team)
    everyone = new_macro(manager, "Everyone", scope="global")

    def names(user):
        return [m.name for m in selectors.macros_visible_to(user)]

    # own first, then the teams', then everyone's
    assert names(agent) == [mine.name, team_macro.name, everyone.name]
    assert names(other_agent) == [theirs.name, other_team_macro.name, everyone.name]
    assert theirs.name not in names(manager)  # a personal macro is its owner's alone
    with pytest.raises(NotFound):
        selectors.macro_get(agent, theirs.pk)


def test_requesters_see_no_macros(requester, manager):
    new_macro(manager, "Everyone", scope="global")
    assert list(selectors.macros_visible_to(requester)) == []


def test_who_keeps_which(agent, other_agent, manager, team):
    with pytest.raises(Forbidden):  # an agent who does not lead the team
        new_macro(agent, scope="team", team=team)
    with pytest.raises(Forbidden):
        new_macro(agent, scope="global")
    TeamMembership.objects.filter(user=agent, team=team).update(is_lead=True)
    agent = type(agent).objects.get(pk=agent.pk)  # no cached led teams
    team_macro = new_macro(agent, scope="team", team=team)
    everyone = new_macro(manager, "All", scope="global")
    mine = new_macro(other_agent, "Mine")
    with pytest.raises(NotFound):  # another's personal macro: not even a manager's
        actions.macro_delete(actor=manager, macro_id=mine.pk)
    with pytest.raises(NotFound):  # everyone's: managers only
        actions.macro_delete(actor=agent, macro_id=everyone.pk)
    actions.macro_delete(actor=manager, macro_id=team_macro.pk)  # managers keep teams' too
    assert not Macro.objects.filter(pk=team_macro.pk).exists()


def test_validation_through_the_schema_writes_nothing(agent):
    with pytest.raises(ValidationFailed) as caught:
        new_macro(
            agent,
            rows=[
                {"type": "webhook", "value": "1"},  # not a macro's action
                {"type": "set_status", "value": "resolved"},  # no code, no notes
                {"type": "set_field", "field": "team", "value": "999999"},
            ],
        )
    assert set(caught.value.errors) == {"actions.0.type", "actions.1.field", "actions.2.value"}
    with pytest.raises(ValidationFailed) as caught:
        new_macro(agent, name="")
    assert "name" in caught.value.errors
    assert not Macro.objects.exists()


def test_a_team_macro_may_not_use_someone_s_personal_canned_response(manager, team):
    own = CannedResponse.objects.create(
        title="Mine", body="Hi", scope=Scope.PERSONAL, owner=manager
    )
    with pytest.raises(ValidationFailed) as caught:
        new_macro(manager, scope="team", team=team,
                  rows=[{"type": "reply_canned", "value": str(own.pk)}])  # fmt: skip
    assert "actions.0.value" in caught.value.errors
    assert new_macro(manager, rows=[{"type": "reply_canned", "value": str(own.pk)}])


def test_a_stale_macro_edit_is_a_conflict(agent):
    macro = new_macro(agent)
    data = {"name": "Renamed", "scope": "personal", "actions": macro.actions}
    actions.macro_update(actor=agent, macro_id=macro.pk, data=data, version=macro.version)
    with pytest.raises(Conflict):
        actions.macro_update(actor=agent, macro_id=macro.pk, data=data, version=macro.version)


# --- applying ---------------------------------------------------------------------------------


def test_applied_as_the_person(agent, ticket, requester):
    canned = CannedResponse.objects.create(
        title="Toner", body="Hello {{requester.first_name}}, {{agent.name}} here.",
        scope=Scope.GLOBAL,
    )  # fmt: skip
    macro = new_macro(
        agent,
        rows=[
            {"type": "set_field", "field": "assignee", "value": str(agent.pk)},
            {"type": "set_field", "field": "priority", "value": "2"},
            {"type": "reply_canned", "value": str(canned.pk)},
            {"type": "add_note", "text": "Toner replaced."},
            {"type": "add_tag", "value": "toner"},
            {"type": "follow", "value": "me"},
            {"type": "set_status", "value": "in_progress"},
        ],
    )
    done = actions.macro_apply(
        actor=agent, macro_id=macro.pk, ticket_id=ticket.pk, version=ticket.version
    )
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk and ticket.priority == 2
    assert ticket.status == Status.IN_PROGRESS
    assert done.ticket.version == ticket.version and len(done.lines) == 7
    reply = ticket.events.get(type=EventType.COMMENT)
    assert reply.actor_id == agent.pk and reply.public  # the requester sees the agent
    assert agent.display_name in reply.body and "{{" not in reply.body
    assert ticket.events.get(type=EventType.NOTE).actor_id == agent.pk
    assert set(ticket.events.filter(field="status").values_list("actor_id", flat=True)) == {
        agent.pk
    }
    priority = ticket.events.get(field="priority")
    assert "Printer fix" in priority.body  # the override's reason names the macro
    assert TicketTag.objects.filter(ticket=ticket, name="toner").exists()
    assert TicketFollower.objects.filter(ticket=ticket, user=agent).exists()
    trace = ticket.events.get(field=engine.MACRO_FIELD)
    assert (trace.actor_id, trace.new_value, trace.public) == (agent.pk, "Printer fix", False)
    assert len(trace.body.splitlines()) == 7


def test_a_refused_action_undoes_the_whole_macro(agent, ticket):
    macro = new_macro(
        agent,
        rows=[
            {"type": "set_field", "field": "priority", "value": "1"},
            {"type": "add_note", "text": "Closing it."},
            {"type": "add_tag", "value": "closing"},
            {"type": "set_status", "value": "closed"},  # new -> closed: the workflow refuses
        ],
    )
    before = ticket.events.count()
    with pytest.raises(ValidationFailed):
        actions.macro_apply(actor=agent, macro_id=macro.pk, ticket_id=ticket.pk, version=None)
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.priority, after.status, after.version) == (
        ticket.priority, ticket.status, ticket.version,
    )  # fmt: skip
    assert ticket.events.count() == before
    assert not TicketTag.objects.filter(ticket=ticket).exists()


def test_a_stale_version_is_a_conflict_and_writes_nothing(agent, ticket):
    macro = new_macro(agent)
    with pytest.raises(Conflict):
        actions.macro_apply(
            actor=agent, macro_id=macro.pk, ticket_id=ticket.pk, version=ticket.version + 5
        )
    assert not ticket.events.filter(type=EventType.NOTE).exists()


def test_someone_else_s_macro_or_an_invisible_ticket_is_not_found(
    agent, other_agent, ticket, requester, other_team
):
    theirs = new_macro(other_agent)
    with pytest.raises(NotFound):
        actions.macro_apply(actor=agent, macro_id=theirs.pk, ticket_id=ticket.pk, version=None)
    hidden = make_ticket(requester, actor=other_agent, team_id=other_team.pk)
    mine = new_macro(agent)
    with pytest.raises(NotFound):
        actions.macro_apply(actor=agent, macro_id=mine.pk, ticket_id=hidden.pk, version=None)


def test_the_person_s_permissions_apply(agent, team, requester, desk_default_team):
    """A macro that assigns to an agent outside the ticket's team is refused for the person
    exactly as the desk's own form would refuse it."""
    outsider = AgentFactory(username="outsider")
    ticket = make_ticket(requester)
    macro = new_macro(
        agent, rows=[{"type": "set_field", "field": "assignee", "value": str(outsider.pk)}]
    )
    with pytest.raises(ValidationFailed):
        actions.macro_apply(actor=agent, macro_id=macro.pk, ticket_id=ticket.pk, version=None)


def test_bulk_reports_each_ticket(agent, requester, desk_default_team):
    from atiende.tickets import actions as ticket_actions

    fresh = make_ticket(requester)
    cancelled = make_ticket(requester, title="Second")
    ticket_actions.ticket_transition(actor=agent, ticket_id=cancelled.pk, to="cancelled")
    macro = new_macro(
        agent,
        rows=[{"type": "add_tag", "value": "bulk"},
              {"type": "set_status", "value": "pending", "field": "requester"}],
    )  # fmt: skip
    result = actions.macro_apply_many(
        actor=agent, macro_id=macro.pk, ticket_ids=[fresh.pk, cancelled.pk, 999999]
    )
    assert result.done == [fresh.pk]
    assert set(result.failed) == {cancelled.pk, 999999}
    assert "Cancelled" in result.failed[cancelled.pk]  # the workflow's own words
    assert Ticket.objects.get(pk=fresh.pk).status == Status.PENDING
    assert list(TicketTag.objects.values_list("ticket_id", flat=True)) == [fresh.pk]


# --- tags -------------------------------------------------------------------------------------


def test_tags_added_and_removed_by_an_agent(agent, ticket, requester):
    assert actions.tag_add(actor=agent, ticket_id=ticket.pk, name=" vip ")
    assert not actions.tag_add(actor=agent, ticket_id=ticket.pk, name="vip")
    assert selectors.tags_of([ticket]) == {ticket.pk: ["vip"]}
    assert actions.tag_remove(actor=agent, ticket_id=ticket.pk, name="vip")
    entries = list(ticket.events.filter(field="tags").values_list("new_value", "old_value"))
    assert entries == [("vip", ""), ("", "vip")]
    with pytest.raises(Forbidden):
        actions.tag_add(actor=requester, ticket_id=ticket.pk, name="mine")
    with pytest.raises(ValidationFailed):
        actions.tag_add(actor=agent, ticket_id=ticket.pk, name="x" * 41)
