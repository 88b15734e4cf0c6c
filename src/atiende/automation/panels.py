"""What automation shows on the desk through tickets' registries: the ticket page's Macros
card (apply one of my macros) and Tags card (see, add, remove), the queue's bulk "Apply a
macro" and its tag filter. Each loader is one query for the page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from atiende.tickets.panels import (
    Audience,
    BulkPart,
    Panel,
    Placement,
    QueueFilter,
    register,
    register_bulk_part,
    register_queue_filter,
)

from . import selectors
from .models import TicketTag


def load_macros(actor, tickets: Sequence) -> dict[int, Any]:
    """The macros the agent may apply (one query), for the ticket page's card."""
    choices = selectors.macro_choices(actor)
    return {t.pk: {"macros": choices} for t in tickets}


def load_tags(actor, tickets: Sequence) -> dict[int, Any]:
    found = selectors.tags_of(tickets)
    return {pk: {"tags": tags} for pk, tags in found.items()}


def load_bulk(actor) -> dict[str, Any]:
    return {"macros": selectors.macro_choices(actor)}


def _tag_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in selectors.tag_names()]


def _tagged(name: str) -> Q:
    # A semi-join on ticket_tag_name: the tickets with the tag, then their rows by key.
    return Q(pk__in=TicketTag.objects.filter(name=name).values("ticket_id"))


def register_all() -> None:
    register(
        Panel(
            name="macros",
            template="automation/_macros_card.html",
            placement=Placement.SIDE,
            order=150,
            audience=Audience.AGENTS,
            load=load_macros,
        )
    )
    register(
        Panel(
            name="tags",
            template="automation/_tags_card.html",
            placement=Placement.SIDE,
            order=350,
            audience=Audience.AGENTS,
            load=load_tags,
            only_with=("automation.TicketTag.ticket",),
        )
    )
    register_bulk_part(
        BulkPart(name="macros", template="automation/_bulk_macro.html", load=load_bulk)
    )
    register_queue_filter(
        QueueFilter(
            name="tag",
            label=_("Tag"),
            blank=_("Any tag"),
            choices=_tag_choices,
            condition=_tagged,
            by_id=False,
        )
    )
