"""The demo data holds changes in every state of the lifecycle, made through the actions."""

from __future__ import annotations

from atiende import demo
from atiende.changes import workflow
from atiende.changes.models import Approval, Board
from atiende.tickets.models import Kind, Ticket


def test_demo_changes_cover_the_lifecycle(db):
    demo.load(tickets_per_template=1)
    statuses = set(Ticket.objects.filter(kind=Kind.CHANGE).values_list("status", flat=True))
    assert statuses == set(workflow.STATUSES)
    assert Approval.objects.filter(status="pending").exists()
    assert all(board.members.exists() for board in Board.objects.all())
