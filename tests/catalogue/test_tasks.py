"""Fulfilment tasks: copied from the item's templates on submit, opened in order (or
together when parallel), each done opens the next, the last resolves the request; worked by
agents from the API; requesters see titles and states, never the notes."""

from __future__ import annotations

import pytest

from atiende.accounts.models import Team
from atiende.catalogue import actions
from atiende.catalogue.models import ApproverSource, FulfilmentTask, StepMode, TaskStatus
from atiende.changes.models import Approval
from atiende.core.errors import NotFound, ValidationFailed
from atiende.tickets.models import Status, Ticket

GOOD = {"os": "mac"}


@pytest.fixture
def three_tasks(laptop, manager, team):
    stores = Team.objects.create(name="Stores")
    add = lambda **kw: actions.task_template_save(actor=manager, item_id=laptop.pk, **kw)  # noqa: E731
    add(
        title="Order the laptop", title_es="Pedir el portátil", team_id=stores.pk, target_minutes=60
    )
    add(title="Install", title_es="Instalar", team_id=team.pk)
    add(title="Create accounts", title_es="Crear cuentas", team_id=team.pk, mode=StepMode.PARALLEL)
    add(title="Hand over", title_es="Entregar", team_id=team.pk)
    return laptop


def _states(ticket):
    return list(
        FulfilmentTask.objects.filter(ticket=ticket)
        .order_by("position", "id")
        .values_list("status", flat=True)
    )


def test_tasks_open_in_order_and_the_last_resolves(three_tasks, requester, agent):
    ticket = actions.request_submit(actor=requester, item_id=three_tasks.pk, answers=GOOD)
    OPEN, W, D = TaskStatus.OPEN, TaskStatus.WAITING, TaskStatus.DONE
    assert _states(ticket) == [OPEN, W, W, W]
    first = FulfilmentTask.objects.get(ticket=ticket, position=1)
    assert first.due_at is not None and first.opened_at is not None
    tasks = list(FulfilmentTask.objects.filter(ticket=ticket).order_by("position"))
    # A waiting task cannot be completed.
    with pytest.raises(ValidationFailed):
        actions.task_complete(actor=agent, task_id=tasks[1].pk)
    actions.task_complete(actor=agent, task_id=tasks[0].pk, note="PO 4711")
    assert _states(ticket) == [D, OPEN, OPEN, W]  # the parallel pair opens together
    actions.task_complete(actor=agent, task_id=tasks[2].pk)
    assert _states(ticket) == [D, OPEN, D, W]
    actions.task_complete(actor=agent, task_id=tasks[1].pk)
    assert _states(ticket) == [D, D, D, OPEN]
    assert Ticket.objects.get(pk=ticket.pk).status != Status.RESOLVED
    actions.task_complete(actor=agent, task_id=tasks[3].pk)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolution_code == "solved"
    assert FulfilmentTask.objects.get(pk=tasks[0].pk).assignee == agent


def test_tasks_wait_for_approvals(three_tasks, manager, requester, agent):
    from tests.factories import AgentFactory

    boss = AgentFactory()
    requester.manager = boss
    requester.save(update_fields=["manager"])
    actions.approval_step_save(actor=manager, item_id=three_tasks.pk, source=ApproverSource.MANAGER)
    ticket = actions.request_submit(actor=requester, item_id=three_tasks.pk, answers=GOOD)
    assert set(_states(ticket)) == {TaskStatus.WAITING}
    from atiende.changes import actions as change_actions

    [approval] = Approval.objects.filter(ticket=ticket)
    change_actions.approval_decide(actor=boss, approval_id=approval.pk, decision="approve")
    assert _states(ticket)[0] == TaskStatus.OPEN


def test_requesters_never_work_tasks(three_tasks, requester):
    ticket = actions.request_submit(actor=requester, item_id=three_tasks.pk, answers=GOOD)
    task = FulfilmentTask.objects.filter(ticket=ticket).first()
    with pytest.raises(NotFound):
        actions.task_complete(actor=requester, task_id=task.pk)


def test_tasks_over_the_api(three_tasks, requester, agent, api_as):
    ticket = actions.request_submit(actor=requester, item_id=three_tasks.pk, answers=GOOD)
    desk, portal = api_as(agent), api_as(requester)
    listed = desk.get(f"/catalogue/requests/{ticket.number}/tasks")
    assert listed.status_code == 200
    tasks = listed.json()
    assert [t["status"] for t in tasks] == ["open", "waiting", "waiting", "waiting"]
    done = desk.post(f"/catalogue/tasks/{tasks[0]['id']}/complete", {"note": "PO 4711"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    # The requester sees the titles and states, never the note; cannot work a task.
    progress = portal.get(f"/catalogue/requests/{ticket.pk}/progress").json()
    assert progress["tasks"][0]["note"] is None and progress["tasks"][0]["status"] == "done"
    assert "PO 4711" not in portal.get(f"/catalogue/requests/{ticket.pk}/tasks").content.decode()
    assert portal.post(f"/catalogue/tasks/{tasks[1]['id']}/complete", {}).status_code == 404
    # Bad input: a clear 4xx, nothing written.
    before = list(FulfilmentTask.objects.values_list("status", "note"))
    assert desk.post(f"/catalogue/tasks/{tasks[3]['id']}/complete", {}).status_code == 422
    assert desk.post("/catalogue/tasks/999999/complete", {}).status_code == 404
    assert (
        desk.post(f"/catalogue/tasks/{tasks[1]['id']}/complete", {"note": "x" * 3000}).status_code
        == 422
    )
    assert list(FulfilmentTask.objects.values_list("status", "note")) == before


def test_withdraw_and_decide_over_the_api(laptop, manager, requester, api_as):
    from tests.factories import RequesterFactory

    boss = RequesterFactory(organization=requester.organization)
    requester.manager = boss
    requester.save(update_fields=["manager"])
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    first = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    second = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    [a1] = Approval.objects.filter(ticket=first)
    # A requester-role manager decides through the desk's one decision endpoint.
    refused = api_as(boss).post(f"/approvals/{a1.pk}/decision", {"decision": "reject"})
    assert refused.status_code == 422 and "comment" in refused.json()["errors"]
    decided = api_as(boss).post(
        f"/approvals/{a1.pk}/decision", {"decision": "reject", "comment": "No budget."}
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["ticket"]["status"] == "cancelled" and decided.json()["change"] is None
    progress = api_as(requester).get(f"/catalogue/requests/{first.pk}/progress").json()
    assert progress["approval"] == "rejected"
    gone = api_as(requester).post(f"/catalogue/requests/{second.pk}/withdraw", {"reason": "later"})
    assert gone.status_code == 200 and gone.json()["ticket"]["status"] == "cancelled"
    assert (
        api_as(requester).post(f"/catalogue/requests/{second.pk}/withdraw", {}).status_code == 422
    )
