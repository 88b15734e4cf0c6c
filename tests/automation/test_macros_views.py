"""Macros on the desk: the ticket page's Macros and Tags cards, applying a macro from the
ticket page (success message, guard refusal, stale page), the queue's bulk part and tag
filter, and the macro pages with pickers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.automation import actions
from atiende.automation.models import Macro, TicketTag
from atiende.tickets.models import EventType, Status, Ticket

from ..factories import make_ticket

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def new_macro(actor, name="Take it", rows=None, **extra):
    data = {
        "name": name,
        "scope": "personal",
        "actions": rows
        or [
            {"type": "set_field", "field": "assignee", "value": str(actor.pk)},
            {"type": "add_note", "text": "On it."},
        ],
        **extra,
    }
    return actions.macro_create(actor=actor, data=data)


@pytest.fixture
def ticket(requester, desk_default_team):
    return make_ticket(requester)


def test_ticket_page_shows_the_macros_and_tags_cards(agent, ticket):
    macro = new_macro(agent)
    actions.tag_add(actor=agent, ticket_id=ticket.pk, name="printer")
    page = signed_in(agent).get(reverse("desk:ticket", args=[ticket.number]))
    html = page.content.decode()
    assert 'id="macros"' in html and f'value="{macro.pk}"' in html
    assert 'id="tags"' in html and "printer" in html


def test_apply_from_the_ticket_page(agent, ticket):
    macro = new_macro(agent)
    client = signed_in(agent)
    url = reverse("automation:macro_apply", args=[ticket.number])
    answer = client.post(url, {"macro": macro.pk, "version": ticket.version}, follow=True)
    assert answer.status_code == 200
    assert "Take it" in answer.content.decode()  # the message names it and what it did
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == agent.pk


def test_a_refused_macro_says_why_and_changes_nothing(agent, ticket):
    macro = new_macro(
        agent,
        rows=[{"type": "add_tag", "value": "x"}, {"type": "set_status", "value": "closed"}],
    )
    client = signed_in(agent)
    url = reverse("automation:macro_apply", args=[ticket.number])
    answer = client.post(url, {"macro": macro.pk, "version": ticket.version}, follow=True)
    html = answer.content.decode()
    assert "changed nothing" in html and "message-error" in html
    assert not TicketTag.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


def test_a_stale_page_is_a_409(agent, ticket):
    macro = new_macro(agent)
    url = reverse("automation:macro_apply", args=[ticket.number])
    answer = signed_in(agent).post(url, {"macro": macro.pk, "version": ticket.version + 5})
    assert answer.status_code == 409
    assert not ticket.events.filter(type=EventType.NOTE).exists()


def test_another_s_macro_is_a_404(agent, other_agent, ticket):
    theirs = new_macro(other_agent)
    url = reverse("automation:macro_apply", args=[ticket.number])
    answer = signed_in(agent).post(url, {"macro": theirs.pk, "version": ticket.version})
    assert answer.status_code == 404


def test_bulk_from_the_queue_reports_per_ticket(agent, ticket, requester):
    done = make_ticket(requester, title="Another")
    new_macro(agent)  # a macro to list
    macro = new_macro(agent, "Close", rows=[{"type": "set_status", "value": "closed"}])
    client = signed_in(agent)
    queue = client.get(reverse("desk:queue") + "?view=open").content.decode()
    assert "Apply a macro" in queue and reverse("automation:macro_bulk") in queue
    answer = client.post(
        reverse("automation:macro_bulk"),
        {"ticket_ids": [ticket.pk, done.pk], "macro": macro.pk, "next": "/desk/?view=open"},
        follow=True,
    )
    html = answer.content.decode()
    assert "2 tickets were not changed" in html
    assert ticket.number in html and done.number in html


def test_tags_on_the_page_and_the_queue_filter(agent, ticket, requester):
    other = make_ticket(requester, title="Untagged")
    client = signed_in(agent)
    client.post(reverse("automation:tag_add", args=[ticket.number]), {"tag": "vip"})
    assert list(TicketTag.objects.values_list("name", flat=True)) == ["vip"]
    queue = client.get(reverse("desk:queue"), {"view": "open", "tag": "vip"}).content.decode()
    assert ticket.number in queue and other.number not in queue
    client.post(reverse("automation:tag_remove", args=[ticket.number]), {"tag": "vip"})
    assert not TicketTag.objects.exists()


def form_data(**extra):
    data = {
        "name": "Triage",
        "scope": "personal",
        "team": "",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-0-type": "reply",
        "actions-0-text": "Hello {{requester.first_name}}",
        "actions-1-type": "follow",
        "actions-1-target": "follow:me",
    }
    data.update(extra)
    return data


def test_macro_pages(agent):
    client = signed_in(agent)
    assert client.get(reverse("automation:macros")).status_code == 200
    page = client.get(reverse("automation:macro_new"))
    assert page.status_code == 200
    assert 'value="global"' not in page.content.decode()  # an agent keeps only their own
    answer = client.post(reverse("automation:macro_new"), form_data())
    assert answer.status_code == 302, answer.content.decode()
    macro = Macro.objects.get()
    assert [a["type"] for a in macro.actions] == ["reply", "follow"]
    assert macro.owner_id == agent.pk
    edit = client.get(reverse("automation:macro_edit", args=[macro.pk]))
    assert "Hello {{requester.first_name}}" in edit.content.decode()
    bad = client.post(
        reverse("automation:macro_edit", args=[macro.pk]),
        form_data(**{"actions-0-text": "", "version": macro.version}),
    )
    assert bad.status_code == 422
    assert Macro.objects.get().actions == macro.actions
    client.post(reverse("automation:macro_delete", args=[macro.pk]))
    assert not Macro.objects.exists()


def test_an_agent_may_not_post_a_global_macro(agent):
    answer = signed_in(agent).post(reverse("automation:macro_new"), form_data(scope="global"))
    assert answer.status_code == 422  # not among the choices offered
    assert not Macro.objects.exists()


def test_macro_pages_in_spanish(manager):
    manager.language = "es"
    manager.save()
    page = signed_in(manager).get(reverse("automation:macros"))
    assert page.status_code == 200


def test_the_macros_card_is_remembered_per_agent_and_forgotten_on_change(agent, other_team, ticket):
    """The card's list is kept in process memory per agent and teams (no query on the next
    page): a new, renamed or deleted macro shows on the next page load, and so does a team
    the agent joins or leaves."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from atiende.accounts.models import TeamMembership

    client = signed_in(agent)
    url = reverse("desk:ticket", args=[ticket.number])
    first = new_macro(agent)
    assert f'value="{first.pk}"' in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as read:
        client.get(url)
    assert not any("automation_macro" in q["sql"] for q in read.captured_queries)

    second = new_macro(agent, name="Second one")
    assert "Second one" in client.get(url).content.decode()
    actions.macro_update(
        actor=agent,
        macro_id=second.pk,
        data={"name": "Renamed", "scope": "personal", "actions": second.actions},
        version=second.version,
    )
    html = client.get(url).content.decode()
    assert "Renamed" in html and "Second one" not in html
    actions.macro_delete(actor=agent, macro_id=second.pk)
    assert "Renamed" not in client.get(url).content.decode()

    # A team macro of a team the agent is not in: shown at once when they join, gone when
    # they leave (the memo is keyed by the agent's teams; a membership sends no forget).
    Macro.objects.create(
        name="Networks only", scope="team", team=other_team, actions=[], created_by=agent,
        created_at=first.created_at, updated_at=first.created_at,
    )  # fmt: skip
    assert "Networks only" not in client.get(url).content.decode()
    TeamMembership.objects.create(user=agent, team=other_team)
    assert "Networks only" in client.get(url).content.decode()
    TeamMembership.objects.filter(user=agent, team=other_team).delete()
    assert "Networks only" not in client.get(url).content.decode()
