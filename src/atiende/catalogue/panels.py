"""The catalogue on the ticket pages and the desk queue, through tickets' registries
(registered in CatalogueConfig.ready()): a request's answers above the timeline (desk and
portal), and the queue's "Catalogue item" filter."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import User
from atiende.tickets.models import Ticket
from atiende.tickets.panels import (
    Audience,
    Panel,
    Placement,
    QueueFilter,
    register,
    register_queue_filter,
)

from .selectors import answers_of_tickets, item_choices, progress_of_tickets, task_choices

WITHDRAWABLE = ("new", "assigned", "in_progress", "pending")


def load_answers(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    found = answers_of_tickets(actor, tickets)
    return {pk: {"answers": answers} for pk, answers in found.items()}


def load_progress(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    """A request's approvals and tasks (two queries for a page; none when no request)."""
    found = progress_of_tickets(actor, tickets)
    by_id = {t.pk: t for t in tickets}
    return {
        pk: {
            "progress": progress,
            "ticket_id": pk,
            "may_withdraw": by_id[pk].requester_id == actor.pk and by_id[pk].status in WITHDRAWABLE,
        }
        for pk, progress in found.items()
        if progress.approvals or progress.tasks
    }


ADDABLE = ("new", "assigned", "in_progress", "pending")


def load_tasks(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    """The agents' card on requests with approvals or tasks (the page's probe says which)."""
    found = progress_of_tickets(actor, tickets)
    return {
        ticket.pk: {**tasks_empty(actor, ticket), "progress": found.get(ticket.pk)}
        for ticket in tickets
    }


def tasks_empty(actor: User, ticket: Ticket) -> dict:
    """Without approvals or tasks: on an open service request, only the form to add a task
    by hand (the teams and agents to choose from are the desk's pickers, kept in memory)."""
    may_add = ticket.kind == "request" and ticket.status in ADDABLE
    return {
        "progress": None,
        "ticket_id": ticket.pk,
        "may_add": may_add,
        "choices": task_choices(actor) if may_add else None,
    }


def register_panels() -> None:
    register(
        Panel(
            name="request-progress",
            template="catalogue/_progress_card.html",
            placement=Placement.MAIN,
            order=110,
            audience=Audience.REQUESTERS,  # titles and states only, never internal notes
            load=load_progress,
            only_with=("catalogue.FulfilmentTask.ticket", "changes.Approval.ticket"),
        )
    )
    register(
        Panel(
            name="request-tasks",
            template="catalogue/_tasks_card.html",
            placement=Placement.MAIN,
            order=110,
            audience=Audience.AGENTS,
            load=load_tasks,
            only_with=("catalogue.FulfilmentTask.ticket", "changes.Approval.ticket"),
            empty=tasks_empty,
            jump=_("Tasks"),
        )
    )
    register(
        Panel(
            name="request-answers",
            template="catalogue/_answers_card.html",
            placement=Placement.MAIN,
            order=100,
            audience=Audience.EVERYONE,  # the requester's own answers: nothing internal
            load=load_answers,
            only_with=("catalogue.RequestAnswers.ticket",),
        )
    )
    register_queue_filter(
        QueueFilter(
            name="catalogue_item",
            label=_("Catalogue item"),
            blank=_("Any item"),
            choices=item_choices,
            condition=lambda item_id: Q(catalogue_answers__item_id=item_id),
        )
    )
