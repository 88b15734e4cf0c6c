"""Who sees what: `tickets_visible_to` is the one definition, used by every list, page,
search, attachment download, export and API call."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Role, User
from atiende.accounts.selectors import team_ids_of
from atiende.core.errors import NotFound
from atiende.core.ids import parse_id
from atiende.core.memo import ProcessMemo
from atiende.core.pagination import Page, paginate
from atiende.core.queries import loaded_related, one_or_none, one_with_related, rows_with_related

from . import search
from .models import (
    LINK_INVERSE_LABELS,
    OPEN_STATUSES,
    SAVED_VIEWS_MAX,
    Attachment,
    Category,
    Kind,
    LinkType,
    ResolutionCode,
    SavedView,
    Ticket,
    TicketEvent,
    TicketFollower,
    TicketLink,
    TicketParticipant,
)

LIST_RELATED = ("requester", "assignee", "team", "category", "organization")


# --- what a requester sees of the people behind the desk ---------------------------------------
# Decision (docs/api.md, "What a requester sees"): who handles a ticket, its team and its
# priority (impact, urgency) are internal, like their changes in the timeline. A requester sees
# an agent by first name only, or as "Service desk" when the agent has none or nobody is
# assigned yet: in the portal, the API and the e-mails they receive alike.


def public_name(agent: User | None) -> str:
    """An agent as requesters see them: their first name, else "Service desk"."""
    first = (agent.first_name or "").strip() if agent is not None else ""
    return first or str(_("Service desk"))


def name_for(person: User | None, viewer: User | None) -> str:
    """How `person` is named to `viewer`: agents see everyone's full name; requesters see
    agents by `public_name` and requesters (themselves, colleagues) by their full name.
    "" for nobody (the system's own entries)."""
    if person is None:
        return ""
    if getattr(viewer, "is_agent", False):  # an anonymous viewer is no agent
        return person.display_name
    return public_name(person) if person.is_agent else person.display_name


def handled_by(ticket: Ticket) -> str:
    """Who handles the ticket, as a requester may know it."""
    return public_name(ticket.assignee if ticket.assignee_id else None)


def tickets_visible_to(actor: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(visibility(actor))


def visibility(actor: User, via: str = "") -> Q:
    """The condition a ticket must meet for `actor` to see it: the one access rule.

    `via` reaches the ticket from another model ("ticket__", "to_ticket__"), so a row that
    belongs to a ticket (link, attachment, SLA clock) is checked against its own joined
    ticket. Never test such rows with `ticket__in=tickets_visible_to(actor)`: SQLite
    answers that by building the set of every visible ticket first (0.6 s per ticket page
    with a million tickets).
    """
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Q(**{f"{via}pk__in": []})
    if actor.is_admin or (actor.is_agent and actor.sees_all_tickets):
        return Q()
    if actor.is_agent:
        return (
            Q(**{f"{via}team_id__in": team_ids_of(actor)})
            | Q(**{f"{via}assignee_id": actor.pk})
            | Q(**{f"{via}requester_id": actor.pk})
        )
    if actor.is_organization_manager and actor.organization_id:
        return Q(**{f"{via}requester_id": actor.pk}) | Q(
            **{f"{via}organization_id": actor.organization_id}
        )
    return Q(**{f"{via}requester_id": actor.pk})


def _sees(ticket: Ticket) -> Q:
    """`visibility` asked the other way round: the people who may see `ticket`."""
    return _sees_rule(
        "", ticket.assignee_id, ticket.requester_id, ticket.team_id, ticket.organization_id
    )


def _sees_rule(user: str, assignee: Any, requester: Any, team: Any, organization: Any) -> Q:
    """The rule of `_sees` on the user reached by the path `user` ("" for User itself), with
    the ticket's columns as values (one ticket) or as F() expressions (a row per ticket: a
    NULL column matches nobody, as a missing value is left out here)."""
    agent = ~Q(**{f"{user}role": Role.REQUESTER})
    sees = (
        Q(**{f"{user}role": Role.ADMIN})
        | (agent & Q(**{f"{user}sees_all_tickets": True}))
        | (agent & Q(**{f"{user}pk": assignee}))
        | Q(**{f"{user}pk": requester})
    )
    if team:  # (a None team would match everyone outside any team)
        sees |= agent & Q(**{f"{user}teammembership__team_id": team})
    if organization:
        sees |= Q(
            **{f"{user}is_organization_manager": True, f"{user}organization_id": organization}
        )
    return sees


def who_sees(ticket: Ticket, user_ids: Iterable[int | None], *, internal: bool) -> set[int]:
    """Which of `user_ids` may see `ticket` by `visibility` (the same rule, asked the other
    way round: one query for many people, e.g. the recipients of a notification or the agents
    offered by a mention's autocomplete). `internal`: what they would be told is internal
    (a note, an assignment), so only agents qualify, never a requester."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return set()
    found = User.objects.filter(_sees(ticket), pk__in=ids, is_active=True)
    if internal:
        found = found.exclude(role=Role.REQUESTER)
    return set(found.values_list("pk", flat=True).distinct())


def merged_into(ticket: Ticket) -> Ticket:
    """Where a merged ticket's conversation continues (the ticket itself when not merged):
    for system paths such as mail threading, not an access check. Merging re-points older
    merge links, so one hop suffices; the bound guards against a hand-made loop."""
    for _hop in range(5):
        link = (
            TicketLink.objects.filter(from_ticket=ticket, link_type=LinkType.MERGED_INTO)
            .select_related("to_ticket")
            .first()
        )
        if link is None:
            break
        ticket = link.to_ticket
    return ticket


MENTION_CHOICES = 10


def mentionable(ticket: Ticket, prefix: str) -> list[User]:
    """The note's autocomplete: active agents who may see `ticket` whose username starts with
    `prefix` (at most MENTION_CHOICES, one query: a prefix on the username's unique index)."""
    prefix = prefix.strip().lstrip("@")[:150]
    found = User.objects.filter(_sees(ticket), is_active=True).exclude(role=Role.REQUESTER)
    if prefix:
        found = found.filter(username__istartswith=prefix)
    ids = found.values("pk")
    return list(
        User.objects.filter(pk__in=ids)
        .only("id", "username", "first_name", "last_name")
        .order_by("username")[:MENTION_CHOICES]
    )


# "@name" where name is a username (letters, digits and @ . + - _), not inside an address.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")
MENTIONS_MAX = 20


@dataclass(frozen=True)
class Mentions:
    told: frozenset[int]  # agents who may see the ticket
    unreachable: tuple[str, ...]  # names that are nobody who may see it (never told)


def mentions_in(ticket: Ticket, body: str) -> Mentions:
    """The @usernames of a note: who may be told (active agents who see the ticket) and the
    names that reach nobody, whether unknown or not allowed (the same answer for both, so a
    note never tells its author who exists beyond the ticket). One query, none without "@"."""
    names = list(dict.fromkeys(n.rstrip(".") for n in MENTION.findall(body or "")))
    names = [n for n in names if n][:MENTIONS_MAX]
    if not names:
        return Mentions(frozenset(), ())
    found = dict(
        User.objects.filter(_sees(ticket), username__in=names, is_active=True)
        .exclude(role=Role.REQUESTER)
        .values_list("username", "pk")
        .distinct()
    )
    return Mentions(frozenset(found.values()), tuple(n for n in names if n not in found))


def followers_seeing(ticket: Ticket) -> QuerySet[User]:
    """The ticket's followers who may see it, as agents (what they are told may be internal),
    as a query a caller may combine (rows may repeat: distinct() or a UNION)."""
    followers = TicketFollower.objects.filter(ticket_id=ticket.pk).values("user_id")
    found = User.objects.filter(_sees(ticket), pk__in=followers, is_active=True)
    return found.exclude(role=Role.REQUESTER)


def followers_who_see(ticket: Ticket) -> set[int]:
    """The ids of `followers_seeing`: one query."""
    return set(followers_seeing(ticket).values_list("pk", flat=True).distinct())


def followers_who_see_many(ticket_ids: Iterable[int]) -> dict[int, set[int]]:
    """`followers_who_see` of many tickets in one query (a time rule closing hundreds of
    followed tickets): {ticket id: follower ids}, tickets without any left out."""
    rule = _sees_rule(
        "user__", F("ticket__assignee_id"), F("ticket__requester_id"), F("ticket__team_id"),
        F("ticket__organization_id"),
    )  # fmt: skip
    rows = (
        TicketFollower.objects.filter(rule, ticket_id__in=list(ticket_ids), user__is_active=True)
        .exclude(user__role=Role.REQUESTER)
        .values_list("ticket_id", "user_id")
        .distinct()
    )
    found: dict[int, set[int]] = {}
    for ticket_id, user_id in rows:
        found.setdefault(ticket_id, set()).add(user_id)
    return found


def followers_of(actor: User, ticket: Ticket) -> list[User]:
    """The ticket's followers (agents only see them: the ticket pages' side card, the API)."""
    if not actor.is_agent:
        return []
    return list(
        User.objects.filter(pk__in=TicketFollower.objects.filter(ticket=ticket).values("user_id"))
        .only("id", "username", "first_name", "last_name")
        .order_by("first_name", "last_name", "username")
    )


def participants_of(actor: User, ticket: Ticket) -> list[TicketParticipant]:
    """The people in copy of a ticket the actor may see (the caller checked that): everyone
    who sees the ticket sees who is in copy, as the timeline says it anyway."""
    return list(TicketParticipant.objects.filter(ticket=ticket).select_related("user", "added_by"))


def resolution_label(code: str) -> str:
    """A resolution code in the reader's language (the ticket pages' "Outcome")."""
    if not code:
        return ""
    found = next((c for c in _resolution_codes.get() if c.code == code), None)
    return found.label() if found else code


def ticket_for_page(actor: User, number: str) -> Ticket:
    """`ticket_get` for the desk ticket page, by one hand-written join of the ticket and its
    LIST_RELATED rows (core.queries.one_with_related): building and compiling the ORM's
    select_related query was 7 % of the page's instructions. The condition is still
    `visibility`'s, compiled by the ORM."""
    tickets = _by_key(tickets_visible_to(actor), number)
    ticket = one_with_related(tickets, LIST_RELATED) if tickets is not None else None
    if ticket is None:
        raise NotFound()
    return ticket


def _by_key(tickets: QuerySet[Ticket], ticket_id: int | str) -> QuerySet[Ticket] | None:
    """`tickets` narrowed to an id or a number (None: neither can match)."""
    key = str(ticket_id).strip()
    if isinstance(ticket_id, int) or key.isdigit():
        pk = parse_id(ticket_id if isinstance(ticket_id, int) else key)
        return tickets.filter(pk=pk) if pk is not None else None
    return tickets.filter(number=key.upper()[:20]) if key else None


def ticket_get(actor: User, ticket_id: int | str, *, narrowed: Sequence[str] = ()) -> Ticket:
    """One visible ticket by id or number; NotFound for missing and denied alike."""
    tickets = tickets_visible_to(actor).select_related(*LIST_RELATED)
    if narrowed:
        tickets = tickets.only(*narrowed)
    found = _by_key(tickets, ticket_id)
    ticket = one_or_none(found) if found is not None else None
    if ticket is None:
        raise NotFound()
    return ticket


SORTS: dict[str, list[str]] = {
    "-updated": ["-updated_at", "-id"],
    "updated": ["updated_at", "id"],
    "-created": ["-created_at", "-id"],
    "created": ["created_at", "id"],
    "priority": ["priority", "-updated_at", "-id"],
    "-priority": ["-priority", "-updated_at", "-id"],
}


@dataclass
class TicketFilters:
    kind: str | None = None
    status: list[str] = field(default_factory=list)
    open_only: bool = False
    priority: int | None = None
    team: int | None = None
    teams: list[int] | None = None  # any of these teams; [] matches nothing
    assignee: int | None = None
    unassigned: bool = False
    requester: int | None = None
    category: int | None = None
    organization: int | None = None
    q: str = ""
    sort: str = "-updated"
    # The desk's queues leave changes out unless `kind` asks for them: changes have their own
    # list and calendar (the changes app) and would otherwise fill the incident queues.
    without_changes: bool = False
    # Other domains' filters (tickets.panels.register_queue_filter), as conditions.
    extra: list[Q] = field(default_factory=list)


def tickets_filtered(actor: User, filters: TicketFilters) -> QuerySet[Ticket]:
    return _filtered(actor, filters)[0]


def _filtered(actor: User, filters: TicketFilters) -> tuple[QuerySet[Ticket], bool]:
    """The visible tickets that pass `filters`, and whether they are a bounded search
    result (see search.search_tickets)."""
    tickets = tickets_visible_to(actor).filter(filters_condition(filters))
    if filters.q.strip():
        return search.search_tickets(tickets, filters.q, include_internal=actor.is_agent)
    return tickets, False


def filters_condition(filters: TicketFilters) -> Q:
    """`filters` but the text search, as one condition: also what the desk's view counts
    aggregate over (one COUNT(...) FILTER (WHERE ...) per view, all in one query)."""
    cond = Q()
    if filters.kind:
        cond &= Q(kind=filters.kind)
    elif filters.without_changes:
        cond &= ~Q(kind=Kind.CHANGE)
    if filters.status:
        cond &= Q(status__in=filters.status)
    elif filters.open_only:
        cond &= Q(status__in=OPEN_STATUSES)
    if filters.priority:
        cond &= Q(priority=filters.priority)
    if filters.team:
        cond &= Q(team_id=filters.team)
    if filters.teams is not None:
        cond &= Q(team_id__in=filters.teams)
    if filters.unassigned:
        cond &= Q(assignee__isnull=True)
    elif filters.assignee:
        cond &= Q(assignee_id=filters.assignee)
    if filters.requester:
        cond &= Q(requester_id=filters.requester)
    if filters.category:
        cond &= Q(category_id=filters.category)
    if filters.organization:
        cond &= Q(organization_id=filters.organization)
    for condition in filters.extra:
        cond &= condition
    return cond


def only_open(filters: TicketFilters) -> bool:
    """Whether `filters` can only match open tickets (what open_ticket_counts counts)."""
    return filters.open_only or bool(filters.status and set(filters.status) <= set(OPEN_STATUSES))


def open_ticket_counts(actor: User, conditions: dict[str, Q]) -> dict[str, int]:
    """How many visible open tickets meet each condition: one query however many there are
    (conditional aggregation), so the sidebar's counts cost the same for 1 view or 12. Open
    tickets only, read through the status index: counting every ticket ever is a full scan."""
    if not conditions:
        return {}
    found = (
        tickets_visible_to(actor)
        .filter(status__in=OPEN_STATUSES)
        .aggregate(
            **{
                f"c{i}": Count("pk", filter=cond) if cond else Count("pk")
                for i, cond in enumerate(conditions.values())
            }
        )
    )
    return {key: found[f"c{i}"] or 0 for i, key in enumerate(conditions)}


def ticket_page(
    actor: User, filters: TicketFilters, *, cursor: str | None, limit: int = 25
) -> Page:
    order = SORTS.get(filters.sort, SORTS["-updated"])
    tickets, bounded = _filtered(actor, filters)
    return paginate(
        tickets.select_related(*LIST_RELATED),
        order=order,
        cursor=cursor,
        limit=limit,
        bounded=bounded,
    )


# The column that tells whether a ticket has attachments at all (the ticket pages' probe).
ATTACHMENTS_REFERENCE = "tickets.Attachment.ticket"


def timeline_for(actor: User, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's events the actor may read: requesters never get internal notes or
    internal field changes."""
    events = ticket.events.select_related("actor").prefetch_related(
        Prefetch("attachments", queryset=_event_files(actor))
    )
    if not actor.is_agent:
        events = events.filter(public=True)
    return events.order_by("created_at", "id")


def timeline_list(
    actor: User, ticket: Ticket, *, attachments_exist: bool = True
) -> list[TicketEvent]:
    """`list(timeline_for(actor, ticket))` for the ticket pages: the same events (the same
    condition), order, authors and files, read by one hand-written join
    (core.queries.rows_with_related; compiling the ORM's query cost more than running it).
    `attachments_exist=False`: the caller knows the ticket has no attachment (its page's
    probe, ATTACHMENTS_REFERENCE), so none is read: each event's `attachments.all()` answers
    [] without a query."""
    readable = TicketEvent.objects.filter(ticket_id=ticket.pk)
    if not actor.is_agent:
        readable = readable.filter(public=True)
    events = rows_with_related(readable, ("actor",), ("created_at", "id"))
    for event in events:
        TicketEvent.ticket.field.set_cached_value(event, ticket)  # as `ticket.events` does
        if not attachments_exist:
            loaded_related(event, "attachments", ())
    if attachments_exist:
        prefetch_related_objects(events, Prefetch("attachments", queryset=_event_files(actor)))
    return events


def _event_files(actor: User) -> QuerySet[Attachment]:
    files = Attachment.objects.order_by("id")
    if not actor.is_agent:
        # Belt and braces: even on a public event, an internal file stays hidden.
        files = files.filter(public=True)
    return files


def has_timeline_entry(*, type: str, old: str = "") -> Exists:
    """A condition on tickets (`.filter(has_timeline_entry(...))`): their timeline holds an
    entry of `type` (with that old value), e.g. assignment's "nobody could take it". One
    index range scan per ticket (event_ticket_time)."""
    entries = TicketEvent.objects.filter(ticket_id=OuterRef("pk"), type=type)
    return Exists(entries.filter(old_value=old) if old else entries)


@dataclass(frozen=True)
class LinkedTicket:
    """A link as seen from one ticket: its label reads from that side."""

    id: int
    link_type: str
    inverse: bool
    ticket: Ticket

    @property
    def label(self) -> str:
        kind = LinkType(self.link_type)
        return str(LINK_INVERSE_LABELS[kind] if self.inverse else kind.label)


# What a link shows of the other ticket (cards, change page, API): the rest stays unread.
_LINKED_FIELDS = [
    f"{side}__{name}"
    for side in ("from_ticket", "to_ticket")
    for name in ("id", "number", "kind", "title", "status")
]


def links_of(actor: User, ticket: Ticket) -> list[LinkedTicket]:
    """The tickets linked to `ticket` that the actor may see (agents only; a requester sees
    no links, which could reveal other people's tickets). One query."""
    if not actor.is_agent:
        return []
    links = (
        TicketLink.objects.filter(
            (Q(from_ticket=ticket) & visibility(actor, "to_ticket__"))
            | (Q(to_ticket=ticket) & visibility(actor, "from_ticket__"))
        )
        .select_related("from_ticket", "to_ticket")
        .only("link_type", "from_ticket_id", "to_ticket_id", *_LINKED_FIELDS)
        .order_by("created_at", "id")
    )
    return [
        LinkedTicket(
            id=link.pk,
            link_type=link.link_type,
            inverse=link.to_ticket_id == ticket.pk,
            ticket=link.from_ticket if link.to_ticket_id == ticket.pk else link.to_ticket,
        )
        for link in links
    ]


def attachment_get(actor: User, attachment_id: int) -> Attachment:
    pk = parse_id(attachment_id)
    if pk is None:
        raise NotFound()
    attachments = Attachment.objects.select_related("ticket").filter(
        Q(pk=pk) & visibility(actor, "ticket__")
    )
    if not actor.is_agent:
        attachments = attachments.filter(public=True)
    attachment = attachments.first()
    if attachment is None:
        raise NotFound()
    return attachment


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("full_path")


def resolution_codes_active() -> QuerySet[ResolutionCode]:
    return ResolutionCode.objects.filter(is_active=True).order_by("position", "code")


# The ticket page's pickers draw these on every view; saving a category or a resolution code
# forgets them (TicketsConfig.ready; core.memo). The rows are shared: read them, never save.
_category_options = ProcessMemo(
    lambda: list(categories_active().only("id", "name", "full_path", "full_path_es"))
)
_resolution_codes = ProcessMemo(  # inactive ones too: old tickets still name them
    lambda: list(ResolutionCode.objects.order_by("position", "code"))
)


def category_options() -> list[Category]:
    """The active categories, by path, from process memory (label() per reader)."""
    return _category_options.get()


def resolution_code_options() -> list[ResolutionCode]:
    """The active resolution codes, in order, from process memory (label() per reader)."""
    return [code for code in _resolution_codes.get() if code.is_active]


def forget_options(**_signal_kwargs: object) -> None:
    _category_options.forget()
    _resolution_codes.forget()


def saved_views_of(actor: User) -> list[SavedView]:
    """The agent's own views, in their order (never anyone else's)."""
    if not actor.is_authenticated or not actor.is_agent:
        return []
    return list(SavedView.objects.filter(owner=actor)[:SAVED_VIEWS_MAX])


def saved_view_get(actor: User, view_id: object) -> SavedView:
    pk = parse_id(view_id)
    view = one_or_none(SavedView.objects.filter(pk=pk, owner=actor)) if pk else None
    if view is None:
        raise NotFound()
    return view
