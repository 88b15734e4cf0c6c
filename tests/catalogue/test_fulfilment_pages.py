"""The pages of approvals and tasks: the managers' editor (steps and tasks), the desk's
tasks card, the requester's progress card (never a note), withdrawing from the portal, and
the portal's "My approvals" of a requester's manager."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.catalogue import actions
from atiende.catalogue.models import ApprovalStep, ApproverSource, FulfilmentTask, TaskTemplate
from atiende.changes.models import Approval, ApprovalStatus, Board
from atiende.tickets.models import Status
from tests.factories import AgentFactory, RequesterFactory

GOOD = {"os": "mac"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def desk_manager(manager):
    return _client(manager)


def test_editor_adds_and_removes_steps_and_tasks(laptop, desk_manager, team):
    board = Board.objects.create(name="CAB", name_es="Comité")
    board.members.set([AgentFactory(), AgentFactory()])
    url = f"/portal/catalogue/manage/items/{laptop.pk}/"
    page = desk_manager.get(url)
    assert page.status_code == 200 and "Add an approval step" in page.content.decode()
    added = desk_manager.post(
        url + "steps/new/", {"source": "board", "board_id": board.pk, "required": 2,
                             "mode": "sequence"},
    )  # fmt: skip
    assert added.status_code == 302
    step = ApprovalStep.objects.get(item=laptop)
    assert (step.board, step.required) == (board, 2)
    # Bad input: a clear 422 and nothing written.
    for bad in (
        {"source": "board", "required": 1, "mode": "sequence"},  # no board
        {"source": "board", "board_id": board.pk, "required": 5, "mode": "sequence"},  # too many
        {"source": "nobody", "mode": "sequence"},
    ):
        refused = desk_manager.post(url + "steps/new/", bad)
        assert refused.status_code == 422
        assert ApprovalStep.objects.count() == 1
    desk_manager.post(
        url + "tasks/new/", {"title": "Order", "title_es": "Pedir", "team_id": team.pk,
                             "mode": "sequence", "target_minutes": 120},
    )  # fmt: skip
    template = TaskTemplate.objects.get(item=laptop)
    assert (template.title_es, template.target_minutes) == ("Pedir", 120)
    refused = desk_manager.post(url + "tasks/new/", {"title": "", "mode": "sequence"})
    assert refused.status_code == 422 and TaskTemplate.objects.count() == 1
    page = desk_manager.get(url).content.decode()
    assert "CAB" in page and "Order" in page
    desk_manager.post(url + f"steps/{step.pk}/delete/")
    desk_manager.post(url + f"tasks/{template.pk}/delete/")
    assert not ApprovalStep.objects.exists() and not TaskTemplate.objects.exists()


def test_editor_is_for_managers(laptop, agent):
    url = f"/portal/catalogue/manage/items/{laptop.pk}/steps/new/"
    assert _client(agent).post(url, {"source": "manager", "mode": "sequence"}).status_code in (
        403,
        404,
    )
    assert not ApprovalStep.objects.exists()


def test_desk_card_works_tasks_and_portal_card_shows_progress(
    laptop, manager, requester, agent, team
):
    actions.task_template_save(
        actor=manager, item_id=laptop.pk, title="Order", title_es="Pedir", team_id=team.pk
    )
    actions.task_template_save(
        actor=manager, item_id=laptop.pk, title="Hand over", title_es="Entregar", team_id=team.pk
    )
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    desk = _client(agent)
    page = desk.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert "Approvals and tasks" in page and "Mark done" in page
    first = FulfilmentTask.objects.get(ticket=ticket, title="Order")
    done = desk.post(f"/portal/catalogue/tasks/{first.pk}/complete/", {"note": "PO-SECRET-42"})
    assert done.status_code == 302
    portal = _client(requester)
    portal.cookies["django_language"] = "es"
    mine = portal.get(f"/portal/tickets/{ticket.number}/", HTTP_ACCEPT_LANGUAGE="es")
    text = mine.content.decode()
    assert "Pedir" in text and "Entregar" in text
    assert "PO-SECRET-42" not in text
    assert "Mark done" not in text
    # Withdraw from the portal.
    assert portal.post(f"/portal/catalogue/requests/{ticket.pk}/withdraw/").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CANCELLED
    assert FulfilmentTask.objects.get(ticket=ticket, title="Hand over").status == "cancelled"


def test_a_requesters_manager_decides_in_the_portal(laptop, manager, requester):
    boss = RequesterFactory(organization=requester.organization)
    requester.manager = boss
    requester.save(update_fields=["manager"])
    actions.approval_step_save(actor=manager, item_id=laptop.pk, source=ApproverSource.MANAGER)
    ticket = actions.request_submit(actor=requester, item_id=laptop.pk, answers=GOOD)
    client = _client(boss)
    page = client.get("/portal/catalogue/approvals/")
    assert page.status_code == 200 and ticket.number in page.content.decode()
    approval = Approval.objects.get(ticket=ticket)
    # Rejecting without a reason: refused, nothing written.
    client.post(f"/portal/catalogue/approvals/{approval.pk}/decide/", {"decision": "reject"})
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.PENDING
    client.post(f"/portal/catalogue/approvals/{approval.pk}/decide/", {"decision": "approve"})
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.APPROVED
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    # Someone else's approval: 404.
    other = _client(RequesterFactory())
    assert (
        other.post(
            f"/portal/catalogue/approvals/{approval.pk}/decide/", {"decision": "approve"}
        ).status_code
        == 404
    )
