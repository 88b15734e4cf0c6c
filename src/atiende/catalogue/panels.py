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
    """The agents' card: a request's approvals and tasks, and on every open service request
    the form to add a task by hand (the teams and agents to choose from are the desk's
    pickers, kept in memory)."""
    found = progress_of_tickets(actor, tickets)
    addable = [t for t in tickets if t.kind == "request" and t.status in ADDABLE]
    choices = task_choices(actor) if addable else None
    result = {}
    for ticket in tickets:
        progress = found.get(ticket.pk)
        may_add = ticket in addable
        if may_add or (progress and (progress.approvals or progress.tasks)):
            result[ticket.pk] = {
                "progress": progress,
                "ticket_id": ticket.pk,
                "may_add": may_add,
                "choices": choices,
            }
    return result


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
