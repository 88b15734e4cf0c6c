"""How the facts are kept (docs/metrics.md): a change queues its ticket in its own
transaction, the catch-up recomputes the queued tickets in one transaction, a reader catches
up first. Nothing is lost or counted twice, whatever commits or fails in between."""

from __future__ import annotations

import pytest
import time_machine
from django.db import transaction

from atiende.core.background import PERIODIC_JOBS
from atiende.reports import actions, aggregates
from atiende.reports.models import DailyFact, PendingFact, TicketFact
from atiende.reports.tasks import reports_catch_up
from atiende.tickets import actions as tickets

from ..api.conftest import ApiClient
from ..factories import make_ticket
from .conftest import at

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")


def _created_today(day) -> int:
    return sum(
        DailyFact.objects.filter(dimension="kind", day=day).values_list("created", flat=True)
    )


def test_the_catch_up_is_a_periodic_job():
    assert "atiende.reports.catch_up" in {job.task for job in PERIODIC_JOBS}


def test_an_action_queues_its_ticket_and_the_catch_up_writes_its_fact(requester):
    with time_machine.travel(at(2, 9), tick=False):
        ticket = make_ticket(requester)
    assert list(PendingFact.objects.values_list("ticket_id", flat=True)) == [ticket.pk]
    assert not TicketFact.objects.exists()  # the action wrote no fact itself

    assert reports_catch_up() == 1
    assert not PendingFact.objects.exists()
    assert TicketFact.objects.get(pk=ticket.pk).status == "new"
    assert _created_today(at(2, 9).date()) == 1
    assert actions.facts_catch_up() == 0  # nothing left: nothing done


def test_a_rolled_back_action_queues_nothing(requester):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(requester)
        raise RuntimeError("the action fails after its change")
    assert not PendingFact.objects.exists()
    assert actions.facts_catch_up() == 0
    assert not TicketFact.objects.exists()


def test_a_failed_catch_up_leaves_the_tickets_queued_and_counts_nothing(requester, monkeypatch):
    with time_machine.travel(at(2, 9), tick=False):
        ticket = make_ticket(requester)

    def crash(pairs):
        list(pairs)
        raise RuntimeError("the process dies before the catch-up commits")

    monkeypatch.setattr(aggregates, "apply_many", crash)
    with pytest.raises(RuntimeError):
        actions.facts_catch_up()
    assert list(PendingFact.objects.values_list("ticket_id", flat=True)) == [ticket.pk]
    assert not TicketFact.objects.exists() and not DailyFact.objects.exists()

    monkeypatch.undo()
    assert actions.facts_catch_up() == 1
    assert actions.facts_catch_up() == 0
    assert _created_today(at(2, 9).date()) == 1  # counted once


def test_a_catch_up_between_the_commit_and_the_clocks_move_is_followed_by_another(
    requester, agent, django_capture_on_commit_callbacks
):
    """The SLA clocks move after the ticket's commit: a catch-up that runs in between reads
    the clock still running; the clocks' move queues the ticket again (ClocksMoved)."""
    with (
        time_machine.travel(at(2, 9), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket = make_ticket(requester, actor=agent)
    actions.facts_catch_up()
    assert TicketFact.objects.get(pk=ticket.pk).first_response_sla == "running"

    with time_machine.travel(at(2, 9, 30), tick=False):
        with django_capture_on_commit_callbacks(execute=False) as after_commit:
            tickets.comment_add(actor=agent, ticket_id=ticket.pk, body="On it.")
        actions.facts_catch_up()  # in between: the reply is counted, the clock not moved yet
        fact = TicketFact.objects.get(pk=ticket.pk)
        assert (fact.agent_replies, fact.first_response_sla) == (1, "running")
        assert not PendingFact.objects.exists()
        for callback in after_commit:  # SLA's handlers: the clock is met, the ticket queued
            callback()
    assert list(PendingFact.objects.values_list("ticket_id", flat=True)) == [ticket.pk]
    actions.facts_catch_up()
    assert TicketFact.objects.get(pk=ticket.pk).first_response_sla == "met"


def test_a_reader_sees_their_own_change_without_waiting_for_the_job(requester, manager):
    period = {"start": "2026-03-01T00:00Z", "end": "2026-03-31T23:59:59.999999Z"}
    with time_machine.travel(at(2, 9), tick=False):
        make_ticket(requester)
        make_ticket(requester)
    assert PendingFact.objects.count() == 2
    with time_machine.travel(at(3, 9), tick=False):
        answer = ApiClient(manager).get("/reports/report", {"metric": "created", **period})
    assert answer.status_code == 200, answer.content
    assert answer.json()["total"]["value"] == 2
    assert not PendingFact.objects.exists()
