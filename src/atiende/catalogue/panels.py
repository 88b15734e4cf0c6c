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

from .selectors import answers_of_tickets, item_choices


def load_answers(actor: User, tickets: Sequence[Ticket]) -> dict[int, dict]:
    found = answers_of_tickets(actor, tickets)
    return {pk: {"answers": answers} for pk, answers in found.items()}


def register_panels() -> None:
    register(
        Panel(
            name="request-answers",
            template="catalogue/_answers_card.html",
            placement=Placement.MAIN,
            order=100,
            audience=Audience.EVERYONE,  # the requester's own answers: nothing internal
            load=load_answers,
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
