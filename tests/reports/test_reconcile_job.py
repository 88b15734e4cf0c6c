"""The periodic job: slices with a cursor that commits with them, fills missing facts,
copies the sweep's breaches, and changes nothing on a second run."""

from __future__ import annotations

import pytest

from atiende.core.background import PERIODIC_JOBS
from atiende.reports import actions
from atiende.reports.models import ReconcileCursor, TicketFact
from atiende.reports.tasks import reports_reconcile
from atiende.sla.actions import sweep_due

from ..factories import make_ticket
from .conftest import at

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")


def test_the_job_is_in_the_periodic_table():
    assert "atiende.reports.reconcile" in {job.task for job in PERIODIC_JOBS}


def test_slices_fill_missing_facts_and_the_cursor_wraps(committed, requester):
    tickets = []
    for hour in (9, 10, 11):
        with committed(at(2, hour)):
            tickets.append(make_ticket(requester))
    TicketFact.objects.all().delete()  # e.g. tickets older than the reports app
    assert actions.facts_reconcile_slice(size=2) == 2
    assert ReconcileCursor.objects.get().after_ticket_id == tickets[1].pk
    assert actions.facts_reconcile_slice(size=2) == 1
    cursor = ReconcileCursor.objects.get()
    assert (cursor.after_ticket_id, cursor.passes) == (0, 1)
    assert TicketFact.objects.count() == 3
    assert actions.facts_reconcile_all() == 0  # idempotent: nothing left to write


def test_the_sweeps_breaches_reach_the_facts(committed, requester):
    with committed(at(2, 9)):
        ticket = make_ticket(requester)
    assert TicketFact.objects.get(pk=ticket.pk).first_response_sla == "running"
    with committed(at(2, 10, 1)):
        sweep_due(now=at(2, 10, 1))
        assert reports_reconcile()["breaches"] == 1
    assert TicketFact.objects.get(pk=ticket.pk).first_response_sla == "breached"
    with committed(at(2, 10, 2)):
        assert reports_reconcile()["breaches"] == 0
