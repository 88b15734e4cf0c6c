"""Who is told what about tickets: the notification rules, subscribed to the tickets' events
(notifications sits above tickets). Each runs inside the publishing transaction, so the
people told and the change commit together; each is a few queries and one bulk INSERT,
whatever the number of recipients (bench/). Recipients always pass the ticket access rule
(tickets.selectors.who_sees), the actor is never told of their own act, and internal
activity never reaches a requester. Preferences decide app and e-mail (preferences.py)."""

from __future__ import annotations

from atiende.accounts.models import TeamMembership, User
from atiende.core.events import batch_form, subscribe
from atiende.tickets import routing, workflow
from atiende.tickets.events import (
    TicketCommented,
    TicketCreated,
    TicketStatusChanged,
    TicketUpdated,
    TicketViewed,
)
from atiende.tickets.models import Status, Ticket, TicketParticipant
from atiende.tickets.selectors import followers_seeing, followers_who_see_many, who_sees

from . import actions, selectors


def _ticket(ticket_id: int) -> Ticket | None:
    return (
        Ticket.objects.filter(pk=ticket_id)
        .only("number", "kind", "team_id", "assignee_id", "requester_id", "organization_id")
        .first()
    )


def _name(user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = User.objects.filter(pk=user_id).only("first_name", "last_name", "username").first()
    return user.display_name if user else ""


def _names(user_ids: set[int | None]) -> dict[int, str]:
    """`_name` of several people: one query."""
    people = User.objects.filter(pk__in=[pk for pk in user_ids if pk is not None])
    return {u.pk: u.display_name for u in people.only("first_name", "last_name", "username")}


def _actor_name(ticket: Ticket, actor_id: int | None) -> str:
    """The actor's name, from the ticket's requester when that is who acted and it is at hand
    (a new ticket opened by its requester: no query), else read."""
    at_hand = Ticket.requester.is_cached(ticket)  # type: ignore[attr-defined]
    if actor_id is not None and actor_id == ticket.requester_id and at_hand:
        return ticket.requester.display_name
    return _name(actor_id)


def _tell(
    verb: str, ticket: Ticket, people, actor_id: int | None, *, internal: bool, **params: str
) -> None:
    recipients = who_sees(ticket, set(people) - {actor_id}, internal=internal)
    if recipients:
        actions.tell(
            verb=verb, ticket_id=ticket.pk, user_ids=recipients, actor_id=actor_id,
            params={"number": ticket.number, "actor": _actor_name(ticket, actor_id), **params},
        )  # fmt: skip


def _team_queue(ticket: Ticket) -> set[int]:
    if ticket.team_id is None:
        return set()
    return set(
        TeamMembership.objects.filter(team_id=ticket.team_id).values_list("user_id", flat=True)
    )


def _routed(ticket: Ticket, actor_id: int | None) -> None:
    """Assigned: the assignee is told; unassigned in a team: the team's queue (a preference
    off by default, which a team's administrators may turn on)."""
    if ticket.assignee_id is not None:
        _tell("ticket_assigned", ticket, {ticket.assignee_id}, actor_id, internal=True)
    else:
        _tell("ticket_queued", ticket, _team_queue(ticket), actor_id, internal=True)


@subscribe(TicketCreated, in_transaction=True)
def ticket_created(event: TicketCreated) -> None:
    ticket = event.ticket
    if workflow.has_own_lifecycle(ticket.kind):
        return  # a change's owner and approvers are told by the changes domain
    # Assigned at creation, by its creator or automatically (assigned_by: the system account,
    # tickets/routing.py): the assignee is told once, and the team's queue never hears of it.
    _routed(ticket, event.assigned_by or event.actor_id)


@subscribe(TicketUpdated, in_transaction=True)
def ticket_updated(event: TicketUpdated) -> None:
    if not {"assignee", "team"} & set(event.fields):
        return
    ticket = _ticket(event.ticket_id)
    if ticket is None or workflow.has_own_lifecycle(ticket.kind):
        return
    if "assignee" in event.fields:
        _routed(ticket, event.actor_id)
    elif ticket.assignee_id is None and not routing.assigns_automatically(ticket.team_id):
        # Moved in unassigned. A team that assigns automatically does so after the move
        # commits, and tells its queue itself only if nobody could take the ticket
        # (`queue_told`): members never hear of a ticket an instant before it is assigned.
        _routed(ticket, event.actor_id)


def queue_told(ticket_id: int, actor_id: int | None) -> None:
    """The team's queue told of an unassigned ticket (the "arrived unassigned" notice), for
    a domain that decided it stays unassigned: the assignment app after a move."""
    ticket = _ticket(ticket_id)
    if ticket is None or ticket.assignee_id is not None or ticket.team_id is None:
        return
    if not workflow.has_own_lifecycle(ticket.kind):
        _tell("ticket_queued", ticket, _team_queue(ticket), actor_id, internal=True)


@subscribe(TicketStatusChanged, in_transaction=True)
def status_changed(event: TicketStatusChanged) -> None:
    if event.by_reply:
        return  # a requester's message reopened it: `commented` tells of both at once
    ticket = _ticket(event.ticket_id)
    if ticket is None:
        return
    told: set[int | None] = set()
    if workflow.has_own_lifecycle(ticket.kind):  # a change: its owner (the assignee)
        told.add(ticket.assignee_id)
        _tell(
            "change_state", ticket, {ticket.assignee_id}, event.actor_id, internal=True,
            status=event.new,
        )  # fmt: skip
    elif workflow.is_reopen(event.old, event.new):
        told.add(ticket.assignee_id)
        _tell("ticket_reopened", ticket, {ticket.assignee_id}, event.actor_id, internal=True)
    told |= _followers_told(ticket, event.actor_id, exclude=told)
    if event.new == Status.RESOLVED and not workflow.has_own_lifecycle(ticket.kind):
        _participants_told(ticket, event.actor_id, exclude=told)


@batch_form(status_changed)
def status_changed_many(events: list[TicketStatusChanged]) -> None:
    """`status_changed` for a batch (a time rule closing tickets). Moves that tell someone
    besides followers (a change's owner, a reopen, a resolution) go one by one through
    `status_changed`; the others tell only the followers who see the ticket, found for the
    whole batch in one query and told in one INSERT (`tell_many`)."""
    moves = [e for e in events if not e.by_reply]
    if not moves:
        return
    ids = [e.ticket_id for e in moves]
    own_lifecycle = set(
        Ticket.objects.filter(pk__in=ids, kind__in=list(workflow.OWN_LIFECYCLE_KINDS))
        .values_list("pk", flat=True)
    )  # fmt: skip
    plain = []
    for event in moves:
        special = (
            event.ticket_id in own_lifecycle
            or event.new == Status.RESOLVED
            or workflow.is_reopen(event.old, event.new)
        )
        if special:
            status_changed(event)
        else:
            plain.append(event)
    if not plain:
        return
    seeing = followers_who_see_many([e.ticket_id for e in plain])
    if not seeing:
        return
    told = [e for e in plain if e.ticket_id in seeing]
    numbers = dict(
        Ticket.objects.filter(pk__in=[e.ticket_id for e in told]).values_list("pk", "number")
    )
    names = _names({e.actor_id for e in told})
    actions.tell_many(
        verb="ticket_activity",
        told=[
            (e.ticket_id, seeing[e.ticket_id], e.actor_id,
             {"number": numbers.get(e.ticket_id, ""), "actor": names.get(e.actor_id, "")})
            for e in told
        ],
    )  # fmt: skip


@subscribe(TicketCommented, in_transaction=True)
def commented(event: TicketCommented) -> None:
    """A requester's reply: the assignee (`ticket_reopened` when the reply reopened the
    ticket: one notification for the one action). A note's mentions: those mentioned
    (tickets checked they may see it). Then the followers, of public and internal activity
    alike (agents who see the ticket only), and for a public message the people in copy with
    an account, each except those just told of it another way."""
    ticket = _ticket(event.ticket_id)
    if ticket is None:
        return
    told: set[int | None] = set(event.mentioned)
    if not event.by_agent and event.public:
        told.add(ticket.assignee_id)
        verb = "ticket_reopened" if event.reopened else "requester_replied"
        _tell(verb, ticket, {ticket.assignee_id}, event.actor_id, internal=True)
    if event.mentioned and not event.public:
        _tell("mentioned", ticket, set(event.mentioned), event.actor_id, internal=True)
    told |= _followers_told(ticket, event.actor_id, exclude=told)
    if event.public:
        _participants_told(ticket, event.actor_id, exclude=told, author_email=event.author_email)


def _followers_and_name(ticket: Ticket, actor_id: int | None) -> tuple[set[int], str]:
    """The followers who may see the ticket (tickets.selectors.followers_seeing, the access
    rule) and the actor's display name, in one query (a UNION): on the path of every reply
    (bench/fanout.py)."""
    columns = ("pk", "first_name", "last_name", "username")
    found = followers_seeing(ticket).values_list(*columns)
    if actor_id is not None:
        found = found.union(User.objects.filter(pk=actor_id).values_list(*columns))
    followers, name = set(), ""
    for pk, first_name, last_name, username in found:
        if pk == actor_id:
            name = User(first_name=first_name, last_name=last_name, username=username).display_name
        else:
            followers.add(pk)
    return followers, name


def _followers_told(ticket: Ticket, actor_id: int | None, *, exclude=frozenset()) -> set[int]:
    followers, actor = _followers_and_name(ticket, actor_id)  # access: one query
    followers -= set(exclude)
    if followers:
        actions.tell(
            verb="ticket_activity", ticket_id=ticket.pk, user_ids=followers, actor_id=actor_id,
            params={"number": ticket.number, "actor": actor},
        )  # fmt: skip
    return followers


def _participants_told(
    ticket: Ticket, actor_id: int | None, *, exclude=frozenset(), author_email: str = ""
) -> None:
    """Public activity (a reply, the resolution) to the people in copy who have an account
    and may see the ticket (as requesters: never internal), in the app; their e-mail is the
    message itself (mail.outbound.notify). Never the author, never the requester (the reply
    mail is theirs). One query when nobody with an account is in copy."""
    people = TicketParticipant.objects.filter(ticket_id=ticket.pk, user_id__isnull=False)
    if author_email:
        people = people.exclude(email=author_email)
    ids = set(people.values_list("user_id", flat=True))
    ids -= {actor_id, ticket.requester_id, *exclude}
    recipients = who_sees(ticket, ids, internal=False)
    if recipients:
        actions.tell(
            verb="participant_activity", ticket_id=ticket.pk, user_ids=recipients,
            actor_id=actor_id, params={"number": ticket.number, "actor": _name(actor_id)},
        )  # fmt: skip


@subscribe(TicketViewed, in_transaction=True)  # at once
def viewed(event: TicketViewed) -> None:
    """One COUNT (the person's unread, and how many are about the ticket: the page's top bar
    shows the rest without counting again), and an UPDATE only if some are about it."""
    total, here = selectors.unread_on_ticket(event.user_id, event.ticket_id)
    if here:
        here = actions.mark_ticket_read(user_id=event.user_id, ticket_id=event.ticket_id)
    selectors.remember_unread(event.user_id, max(0, total - here))
