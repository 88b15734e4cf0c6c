"""The ticket page's panel registry: the one way a domain adds a card to the ticket pages or
a column to the desk queue (after NetBox's template extensions, but small).

Each app registers its panels in its AppConfig.ready(). A page asks the registry once:
`for_ticket` on a ticket page (the loaders get a list of one ticket), `columns` on a queue
(the loaders get the page of tickets, so a page costs one query per panel whatever its
size). Templates include `shown.template` with `panel` set to the loader's context for that
ticket; a panel template reads its data from `panel` (and may read the page's own context,
e.g. its forms), and template tags never query.

Audience keeps internal data internal: a requester never gets an agents-only panel, and its
loader is not even called for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Q
    from django.http import HttpRequest, HttpResponse
    from django.utils.functional import Promise

    from atiende.accounts.models import User

    from .models import Ticket


class Placement(StrEnum):
    SIDE = "side"  # the desk ticket page's side column
    MAIN = "main"  # the ticket page's main column, above the timeline (desk and portal)
    QUEUE_COLUMN = "queue_column"  # a cell per row of the desk queue, after Priority


class Audience(StrEnum):
    AGENTS = "agents"  # internal: never loaded or shown for a requester
    REQUESTERS = "requesters"  # the portal's words for the same facts
    EVERYONE = "everyone"


# load(actor, tickets) -> {ticket id: the panel's context for that ticket}. Tickets left out
# get an empty context. One query per call, whatever the number of tickets.
Loader = Callable[["User", Sequence["Ticket"]], Mapping[int, Any]]


@dataclass(frozen=True)
class Panel:
    name: str  # unique; also the card's HTML id, the target of a jump link
    template: str
    placement: Placement
    order: int  # lower first; tickets' own cards use 100, 300, 400, 500
    audience: Audience = Audience.AGENTS
    load: Loader | None = None  # None: the template reads only the page's context
    heading: str | Promise = ""  # a queue column's header
    jump: str | Promise = ""  # the label of the ticket page's jump link, if it has one
    # The loader finds something for a ticket only where one of these columns
    # ("app_label.Model.field", indexed) holds the ticket's id, e.g.
    # ("automation.TicketTag.ticket",): for the tickets without such rows the loader is not
    # called and their context is `empty(actor, ticket)` ({} without it), which must render as the
    # loader's answer for no rows would. One query probes every panel of a page (`load`).
    only_with: tuple[str, ...] = ()
    empty: Callable[[User, Ticket], Any] | None = None

    def shown_to(self, actor: User) -> bool:
        if self.audience == Audience.EVERYONE:
            return True
        return (self.audience == Audience.AGENTS) == bool(getattr(actor, "is_agent", False))


@dataclass(frozen=True)
class Shown:
    """A panel ready to render for one ticket: `{% include shown.template with
    panel=shown.context %}`."""

    name: str
    template: str
    jump: str | Promise
    context: Any


_registry: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    """Add a panel (from an AppConfig.ready()). Registering a name again replaces it."""
    _registry[panel.name] = panel
    return panel


def unregister(name: str) -> None:
    _registry.pop(name, None)


def registered(placement: Placement, actor: User) -> list[Panel]:
    """The panels of a placement this actor may receive, in order."""
    panels = [p for p in _registry.values() if p.placement == placement and p.shown_to(actor)]
    return sorted(panels, key=lambda p: (p.order, p.name))


def load(
    actor: User, tickets: Sequence[Ticket], placement: Placement
) -> tuple[list[Panel], dict[int, list[Shown]]]:
    """The placement's panels and, per ticket id, each panel's context (one loader call per
    panel for all the tickets, none for a panel whose `only_with` rows none of them has)."""
    panels = registered(placement, actor)
    return panels, _load(actor, tickets, panels, _present(panels, tickets))


def _load(
    actor: User, tickets: Sequence[Ticket], panels: Sequence[Panel], present: set[tuple[str, int]]
) -> dict[int, list[Shown]]:
    found: dict[int, list[Shown]] = {ticket.pk: [] for ticket in tickets}
    for panel in panels:
        contexts: Mapping[int, Any] = {}
        if panel.load is not None and tickets:
            wanted = tickets
            if panel.only_with:
                wanted = [
                    t for t in tickets if any((ref, t.pk) in present for ref in panel.only_with)
                ]
            contexts = panel.load(actor, wanted) if wanted else {}
        for ticket in tickets:
            context = contexts.get(ticket.pk)
            if context is None:
                context = panel.empty(actor, ticket) if panel.empty is not None else {}
            found[ticket.pk].append(Shown(panel.name, panel.template, panel.jump, context))
    return found


def _present(
    panels: Sequence[Panel], tickets: Sequence[Ticket], also: Sequence[str] = ()
) -> set[tuple[str, int]]:
    """Which tickets have rows in the columns the panels' `only_with` (and `also`) name: one
    query."""
    from atiende.core.queries import referenced

    references = sorted(
        {ref for p in panels if p.load is not None for ref in p.only_with}.union(also)
    )
    return referenced(references, [t.pk for t in tickets]) if references and tickets else set()


def for_ticket(actor: User, ticket: Ticket, placement: Placement) -> list[Shown]:
    """A ticket page's panels of one placement."""
    return load(actor, [ticket], placement)[1][ticket.pk]


def ticket_page_panels(
    actor: User, ticket: Ticket, placements: Sequence[Placement], probe: Sequence[str] = ()
) -> tuple[list[list[Shown]], set[str]]:
    """A ticket page's panels of several placements (side and main), one probe for all, and
    which of the references in `probe` ("app_label.Model.field",
    indexed) hold the ticket's id, asked in the panels' probe query: the page's own optional
    reads (its timeline's attachments) skip their query when there is nothing to read."""
    chosen = [registered(placement, actor) for placement in placements]
    present = _present([p for panels in chosen for p in panels], [ticket], probe)
    shown = [_load(actor, [ticket], panels, present)[ticket.pk] for panels in chosen]
    return shown, {ref for ref in probe if (ref, ticket.pk) in present}


def columns(actor: User, tickets: Sequence[Ticket]) -> tuple[list[Panel], list[tuple]]:
    """A queue's extra columns and its rows: [(ticket, [Shown per column])]."""
    panels, found = load(actor, tickets, Placement.QUEUE_COLUMN)
    return panels, [(ticket, found[ticket.pk]) for ticket in tickets]


# A predefined desk queue view another domain renders itself (SLA's "breaching soon"): the
# desk's queue hands `?view=<name>` to it. The view's label stays in tickets.forms.desk.VIEWS.
QueueView = Callable[["HttpRequest"], "HttpResponse"]
_queue_views: dict[str, QueueView] = {}


def register_queue_view(name: str, render: QueueView) -> None:
    _queue_views[name] = render


def queue_view(name: str) -> QueueView | None:
    return _queue_views.get(name)


# A filter of the desk queue another domain offers (the catalogue's "Catalogue item"): a choice
# of ids shown with the queue's filters, and the condition over a ticket's columns (or its
# relations' reverse names, e.g. "catalogue_answers__item_id") that the chosen id makes.
# With `by_id=False` the choice's values are text (automation's tags, by name).


@dataclass(frozen=True)
class QueueFilter:
    name: str  # the query parameter, e.g. "catalogue_item"
    label: str | Promise
    blank: str | Promise  # the option that does not filter, e.g. "Any item"
    choices: Callable[[], list[tuple[Any, str]]]
    condition: Callable[[Any], Q]
    by_id: bool = True


_queue_filters: dict[str, QueueFilter] = {}


def register_queue_filter(queue_filter: QueueFilter) -> None:
    _queue_filters[queue_filter.name] = queue_filter


def queue_filters() -> list[QueueFilter]:
    return list(_queue_filters.values())


# A part of the desk queue's bulk panel another domain adds (automation's "Apply macro"): its
# template renders inside the bulk form, beside the panel's own groups, and gets `panel`, the
# context `load(actor)` answers (once per page). Its submit button posts the selected
# `ticket_ids` to the domain's own URL (`formaction`), whose view reports per ticket.


@dataclass(frozen=True)
class BulkPart:
    name: str
    template: str
    load: Callable[[User], Any] | None = None
    order: int = 0


_bulk_parts: dict[str, BulkPart] = {}


def register_bulk_part(part: BulkPart) -> BulkPart:
    _bulk_parts[part.name] = part
    return part


def bulk_parts(actor: User) -> list[Shown]:
    """The bulk panel's parts for this agent, loaded, in order."""
    parts = sorted(_bulk_parts.values(), key=lambda p: (p.order, p.name))
    return [
        Shown(p.name, p.template, "", p.load(actor) if p.load is not None else {}) for p in parts
    ]


# --- the timeline: other domains' entries ------------------------------------------------------
# Timeline rows are written through tickets.timeline (which also names their fields); how
# another domain's event types render on the ticket page is registered here, like the cards.

_timeline_entries: dict[str, str] = {}


def register_timeline_entry(event_type: str, template: str) -> None:
    """Render the timeline events of `event_type` (another domain's, e.g. SLA's "sla") with
    `template`, which gets `event` and `ticket` and renders the whole `<li>`."""
    _timeline_entries[event_type] = template


def timeline_entry(event_type: str) -> str | None:
    return _timeline_entries.get(event_type)


# --- the portal's new-ticket form: other domains' parts -----------------------------------------
# A part renders inside the form (after the description) and may be told of the ticket the form
# created, with the form's data (the knowledge base's suggestions while typing, and which of
# them were shown). A part never decides whether the ticket is created.


@dataclass(frozen=True)
class FormPart:
    name: str
    template: str
    sent: Callable[[User, Ticket, Mapping[str, Any]], None] | None = None


_form_parts: dict[str, FormPart] = {}


def register_form_part(part: FormPart) -> FormPart:
    _form_parts[part.name] = part
    return part


def form_parts() -> list[FormPart]:
    return sorted(_form_parts.values(), key=lambda p: p.name)


def ticket_sent(actor: User, ticket: Ticket, data: Mapping[str, Any]) -> None:
    """Tell the form's parts which ticket their form created."""
    for part in form_parts():
        if part.sent is not None:
            part.sent(actor, ticket, data)
