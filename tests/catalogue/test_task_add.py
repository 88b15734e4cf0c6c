"""Ad-hoc fulfilment tasks: an agent who may work a request adds a task by hand (desk card
and API); it runs together with the open tasks (or waits with the first ones while
approvals are awaited, or opens alone when nothing else is left); the request resolves only
when every task, the added one too, is done. Others: 404; bad input: a clear 4xx, nothing
written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from atiende.catalogue import actions
from atiende.catalogue.models import ApproverSource, FulfilmentTask, StepMode, TaskStatus
from atiende.core.errors import NotFound, ValidationFailed
from atiende.tickets.models import EventType, Status, Ticket

GOOD = {"os": "mac"}


@pytest.fixture
def two_tasks(laptop, manager, team):
    add = lambda **kw: actions.task_template_save(actor=manager, item_id=laptop.pk, **kw)  # noqa: E731
    add(title="Order", team_id=team.pk)
    add(title="Hand over", team_id=team.pk)
    return laptop


def _tasks(ticket):
    return list(
        FulfilmentTask.objects.filter(ticket=ticket)
        .order_by("position", "id")
        .values_list("title", "status", "mode")
    )


def test_added_task_runs_with_the_open_ones_and_holds_the_resolution(
    two_tasks, requester, agent, team
):
    ticket = actions.request_submit(actor=requester, item_id=two_tasks.pk, answers=GOOD)
    due = datetime(2030, 1, 2, 9, 0, tzinfo=UTC)
    added = actions.task_add(
        actor=agent, ticket_id=ticket.pk, title="Buy a bag", team_id=team.pk,
        assignee_id=agent.pk, due_at=due,
    )  # fmt: skip
    assert _tasks(ticket) == [
        ("Order", "open", "sequence"),
        ("Buy a bag", "open", "parallel"),
        ("Hand over", "waiting", "sequence"),
    ]
    added.refresh_from_db()
    assert added.assignee_id == agent.pk and added.due_at == due and added.opened_at
    assert added.template_id is None
    entry = ticket.events.filter(field="task_added").get()
    assert entry.type == EventType.FIELD and not entry.public and entry.new_value == "Buy a bag"

    order = FulfilmentTask.objects.get(ticket=ticket, title="Order")
    actions.task_complete(actor=agent, task_id=order.pk)
    # The next group waits for the added task too.
    assert FulfilmentTask.objects.get(ticket=ticket, title="Hand over").status == "waiting"
    actions.task_complete(actor=agent, task_id=added.pk)
    hand_over = FulfilmentTask.objects.get(ticket=ticket, title="Hand over")
    assert hand_over.status == "open"
    actions.task_complete(actor=agent, task_id=hand_over.pk)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED


def test_a_request_without_tasks_waits_for_the_added_one(laptop, requester, agent, team):
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    added = actions.task_add(actor=agent, ticket_id=ticket.pk, title="Check", team_id=team.pk)
    assert added.status == TaskStatus.OPEN and added.mode == StepMode.SEQUENCE
    actions.task_complete(actor=agent, task_id=added.pk)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED


def test_while_approvals_are_awaited_it_waits_with_the_first_tasks(
    two_tasks, manager, requester, agent, team
):
    from tests.factories import RequesterFactory

    requester.manager = RequesterFactory(organization=requester.organization)
    requester.save(update_fields=["manager"])
    actions.approval_step_save(actor=manager, item_id=two_tasks.pk, source=ApproverSource.MANAGER)
    ticket = actions.request_submit(actor=requester, item_id=two_tasks.pk, answers=GOOD)
    actions.task_add(actor=agent, ticket_id=ticket.pk, title="Extra", team_id=team.pk)
    assert [s for _t, s, _m in _tasks(ticket)] == ["waiting", "waiting", "waiting"]
    assert [t for t, _s, _m in _tasks(ticket)] == ["Order", "Extra", "Hand over"]


def test_only_agents_who_may_work_the_request(two_tasks, requester, agent, other_agent, team):
    ticket = actions.request_submit(actor=requester, item_id=two_tasks.pk, answers=GOOD)
    for who in (requester, other_agent):
        with pytest.raises(NotFound):
            actions.task_add(actor=who, ticket_id=ticket.pk, title="No", team_id=team.pk)
    assert FulfilmentTask.objects.filter(ticket=ticket).count() == 2


def test_bad_input_writes_nothing(two_tasks, requester, agent, team):
    ticket = actions.request_submit(actor=requester, item_id=two_tasks.pk, answers=GOOD)
    for kwargs, field in [
        ({"title": "", "team_id": team.pk}, "title"),
        ({"title": "x", "team_id": 999999}, "team"),
        ({"title": "x", "team_id": team.pk, "assignee_id": requester.pk}, "assignee"),
        ({"title": "x", "team_id": team.pk, "due_at": "tomorrow"}, "due_at"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            actions.task_add(actor=agent, ticket_id=ticket.pk, **kwargs)
        assert field in refused.value.errors
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CANCELLED)
    with pytest.raises(ValidationFailed):
        actions.task_add(actor=agent, ticket_id=ticket.pk, title="Late", team_id=team.pk)
    assert FulfilmentTask.objects.filter(ticket=ticket).count() == 2


def test_from_the_desk_card(two_tasks, requester, agent, other_agent, team):
    ticket = actions.request_submit(actor=requester, item_id=two_tasks.pk, answers=GOOD)
    desk = Client()
    desk.force_login(agent)
    page = desk.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert 'name="title"' in page and f"/portal/catalogue/requests/{ticket.pk}/tasks/add/" in page
    posted = desk.post(
        f"/portal/catalogue/requests/{ticket.pk}/tasks/add/",
        {"title": "Label it", "team": team.pk, "assignee": "", "due_at": "2030-01-02T09:30"},
    )
    assert posted.status_code == 302 and posted["Location"].endswith("#request-tasks")
    added = FulfilmentTask.objects.get(ticket=ticket, title="Label it")
    assert added.status == "open" and added.due_at is not None
    assert "Label it" in desk.get(f"/desk/tickets/{ticket.number}/").content.decode()
    # Refused input: the message, nothing written.
    refused = desk.post(
        f"/portal/catalogue/requests/{ticket.pk}/tasks/add/", {"title": "", "team": team.pk},
        follow=True,
    )  # fmt: skip
    assert refused.status_code == 200 and FulfilmentTask.objects.filter(ticket=ticket).count() == 3
    # An agent who does not see the request, a requester: 404.
    other = Client()
    other.force_login(other_agent)
    url = f"/portal/catalogue/requests/{ticket.pk}/tasks/add/"
    assert other.post(url, {"title": "x", "team": team.pk}).status_code == 404
    portal = Client()
    portal.force_login(requester)
    assert portal.post(url, {"title": "x", "team": team.pk}).status_code == 404
    assert FulfilmentTask.objects.filter(ticket=ticket).count() == 3


def test_over_the_api(two_tasks, requester, agent, other_agent, team, api_as):
    ticket = actions.request_submit(actor=requester, item_id=two_tasks.pk, answers=GOOD)
    url = f"/catalogue/requests/{ticket.number}/tasks"
    made = api_as(agent).post(
        url, {"title": "Engrave", "team": team.pk, "assignee": agent.pk,
              "due_at": "2030-01-02T09:30:00Z"},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "open" and body["mode"] == "parallel"
    assert body["assignee"]["id"] == agent.pk and body["due_at"].startswith("2030-01-02T09:30")
    bad = api_as(agent).post(url, {"title": "", "team": team.pk})
    assert bad.status_code == 422 and "title" in bad.json()["errors"]
    assert api_as(other_agent).post(url, {"title": "x", "team": team.pk}).status_code == 404
    assert api_as(requester).post(url, {"title": "x", "team": team.pk}).status_code == 404
    assert FulfilmentTask.objects.filter(ticket=ticket).count() == 3
