"""Reads of SLA clocks, always scoped through the tickets' access rule (`visibility`), and of
the service-level configuration (calendars, policies) for the desk's staff."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils.translation import gettext

from atiende.accounts.models import User
from atiende.core import clock as wallclock
from atiende.core.errors import Forbidden, NotFound
from atiende.tickets.models import Ticket
from atiende.tickets.selectors import tickets_visible_to, visibility

from . import clocks
from .calendar import Calendar
from .models import BusinessCalendar, ClockState, SlaClock, SlaPolicy


def _visible(actor: User) -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(visibility(actor, "ticket__")).select_related("policy__calendar")


def clocks_for(actor: User, ticket: Ticket | int) -> list[SlaClock]:
    """The clocks of one ticket, if the actor sees the ticket (else none)."""
    ticket_id = ticket if isinstance(ticket, int) else ticket.pk
    return list(_visible(actor).filter(ticket_id=ticket_id).order_by("started_at", "id"))


def breaching_soon(actor: User, within: timedelta, *, now: datetime | None = None):
    """Running clocks of visible tickets whose deadline is within `within` from now (or
    already past), soonest first: the desk's "breaching soon" view."""
    now = now or wallclock.now()
    return (
        _visible(actor)
        .filter(state__in=[ClockState.RUNNING, ClockState.BREACHED], running_since__isnull=False)
        .filter(deadline__lte=now + within)
        .select_related("ticket", "ticket__assignee", "ticket__team")
        .order_by("deadline", "id")
    )


def _calendar(clock: SlaClock) -> Calendar:
    return clock.policy.calendar.to_calendar() if clock.policy else Calendar.always_open()


def clock_summary(clock: SlaClock, *, now: datetime | None = None) -> dict:
    """{kind, state, target_minutes, deadline, remaining_seconds (business),
    elapsed_seconds (business), breached_at, paused} for the API and the UI."""
    return clocks.summary(clock, _calendar(clock), now or wallclock.now()).as_dict()


def clocks_of_tickets(actor: User, tickets: Iterable[Ticket | int]) -> list[SlaClock]:
    """The clocks of a list of tickets (a page) the actor may see, in one query."""
    ids = [t if isinstance(t, int) else t.pk for t in tickets]
    if not ids:
        return []
    # The access check is bounded to these ids (an unbounded visibility subquery made SQLite
    # scan every visible ticket: 175 ms per page on 1M), and the literal id list lets the
    # planner use the ticket_id index whatever its statistics (3.8 ms -> 0.2 ms on 1M).
    visible_ids = tickets_visible_to(actor).filter(pk__in=ids).values("pk")
    return list(
        SlaClock.objects.filter(ticket_id__in=ids)
        .filter(ticket_id__in=visible_ids)
        .select_related("policy__calendar")
        .order_by("started_at", "id")
    )


def clock_summaries(
    actor: User, tickets: Iterable[Ticket | int], *, now: datetime | None = None
) -> dict[int, list[dict]]:
    """Summaries for a list of tickets in one query (queues, API lists): {ticket_id: [...]}."""
    now = now or wallclock.now()
    found: dict[int, list[dict]] = defaultdict(list)
    for clock in clocks_of_tickets(actor, tickets):
        found[clock.ticket_id].append(clock_summary(clock, now=now))
    return dict(found)


def clock_summaries_of_new(ticket: Ticket) -> list[dict]:
    """The summaries of a ticket just created, from the clocks its creation started and
    loaded on it (actions.clocks_start_new), without reading them back."""
    now = wallclock.now()
    return [clock_summary(clock, now=now) for clock in ticket.sla_clocks.all()]


# --- configuration: calendars and policies ------------------------------------------------------


def _may_read_configuration(actor: User) -> None:
    """Agents, managers and admins read the service levels they work under; requesters
    don't (they see their own tickets' expectations, not the desk's configuration)."""
    if not (actor.is_active and actor.is_agent):
        raise Forbidden(gettext("Only the desk's staff may read service-level configuration."))


def calendars_for(actor: User) -> QuerySet[BusinessCalendar]:
    _may_read_configuration(actor)
    return BusinessCalendar.objects.prefetch_related("holidays", "closures").order_by("name")


def calendar_get(actor: User, calendar_id: int) -> BusinessCalendar:
    """One calendar; to a requester, as to anyone for an unknown id, a 404."""
    if not (actor.is_active and actor.is_agent):
        raise NotFound()
    calendar = calendars_for(actor).filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound()
    return calendar


def policies_for(actor: User) -> QuerySet[SlaPolicy]:
    _may_read_configuration(actor)
    return (
        SlaPolicy.objects.select_related("calendar")
        .prefetch_related("organizations", "categories", "teams", "targets", "escalations__team")
        .order_by("position", "id")
    )


def policy_get(actor: User, policy_id: int) -> SlaPolicy:
    if not (actor.is_active and actor.is_agent):
        raise NotFound()
    policy = policies_for(actor).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound()
    return policy
