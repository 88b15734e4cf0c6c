"""A change's title, team and owner are the ticket's own fields: edited on the change page
they take the ticket's path, so ticket-level subscribers (the SLA re-match, notifications)
hear of it and the audit trail reads the same as for an edit on the desk."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.core import events
from atiende.tickets import actions as ticket_actions
from atiende.tickets.events import TicketUpdated
from atiende.tickets.models import Ticket, TicketEvent

from .factories import make_change


def edit_form(ticket: Ticket, **changes) -> dict:
    details = ticket.change
    return {
        "version": ticket.version, "title": ticket.title, "change_type": details.change_type,
        "reason": details.reason, "implementation_plan": details.implementation_plan,
        "backout_plan": details.backout_plan, "test_plan": details.test_plan,
        "description": ticket.description, "planned_start": "", "planned_end": "",
        "implementer": "", "team": ticket.team_id or "", "assignee": ticket.assignee_id or "",
        **changes,
    }  # fmt: skip


@pytest.fixture
def ticket_updates():
    heard: list[TicketUpdated] = []
    handler = events.subscribe(TicketUpdated)(heard.append)
    yield heard
    events.unsubscribe(TicketUpdated, handler)


def team_entries(ticket: Ticket) -> list[tuple]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, field="team")
        .order_by("id")
        .values_list("type", "public", "actor_id", "old_value", "new_value")
    )


def test_a_team_edited_on_the_change_page_reaches_ticket_subscribers(
    agent, team, other_team, ticket_updates, monkeypatch, django_capture_on_commit_callbacks
):
    from atiende.sla import actions as sla_actions

    rematched: list[int] = []
    monkeypatch.setattr(sla_actions, "clocks_follow_policy", lambda *, ticket_id: rematched.append(ticket_id))  # fmt: skip
    change = make_change(agent, team_id=team.pk)
    client = Client()
    client.force_login(agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("changes:edit", args=[change.number]), edit_form(change, team=other_team.pk)
        )

    assert response.status_code == 302
    change.refresh_from_db()
    assert change.team == other_team and change.version == 2  # one edit, one version
    assert ticket_updates == [
        TicketUpdated(ticket_id=change.pk, actor_id=agent.pk, fields=("team",))
    ]
    assert rematched == [change.pk]  # the SLA policy follows the team, as on the desk
    # The same entry as the desk's edit of the same field (which moves it back).
    ticket_actions.ticket_update(
        actor=agent, ticket_id=change.pk, version=change.version, changes={"team": team.pk}
    )
    page, desk = team_entries(change)
    assert page == ("field", False, agent.pk, "Service Desk", "Networks")
    assert desk == ("field", False, agent.pk, "Networks", "Service Desk")


def test_a_change_only_edit_does_not_publish_a_ticket_update(
    agent, ticket_updates, django_capture_on_commit_callbacks
):
    change = make_change(agent)
    client = Client()
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("changes:edit", args=[change.number]), edit_form(change, reason="Other")
        )
    assert response.status_code == 302
    assert ticket_updates == []


def test_a_title_edited_on_either_page_reads_the_same(agent):
    change = make_change(agent, title="Old")
    client = Client()
    client.force_login(agent)
    client.post(reverse("changes:edit", args=[change.number]), edit_form(change, title="New"))
    ticket_actions.ticket_update(
        actor=agent, ticket_id=change.pk, version=None, changes={"title": "Newer"}
    )
    entries = list(
        TicketEvent.objects.filter(ticket=change, field="title")
        .order_by("id")
        .values_list("public", "old_value", "new_value")
    )
    assert entries == [(True, "Old", "New"), (True, "New", "Newer")]


def test_giving_a_change_an_owner_does_not_move_it_out_of_its_lifecycle(agent):
    change = make_change(agent)
    ticket_actions.ticket_update(
        actor=agent, ticket_id=change.pk, version=None, changes={"assignee": agent.pk}
    )
    change.refresh_from_db()
    assert change.assignee == agent and change.status == "new"  # not the incidents' "assigned"
    client = Client()
    client.force_login(agent)
    client.post(reverse("changes:edit", args=[change.number]), edit_form(change, assignee=""))
    change.refresh_from_db()
    assert change.assignee is None and change.status == "new"
