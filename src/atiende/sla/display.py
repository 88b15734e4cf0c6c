"""How SLA clocks read in the desk and the portal: plain words and a state people can see
without relying on colour. Clocks are read through `sla.selectors` (scoped to the actor);
the numbers come from `sla.selectors.clock_summary`. The ticket pages and the queue get
them through the panels in `sla.panels`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.models import User
from atiende.core import clock as wallclock

from .models import ClockState, SlaClock
from .selectors import clock_summary, clocks_of_tickets

CLOCK_LABELS = {
    "first_response": gettext_lazy("First response"),
    "resolution": gettext_lazy("Resolution"),
    "next_response": gettext_lazy("Next response"),
}
# Display states (CSS class sla-<state>), each with its own words.
STATE_LABELS = {
    "ok": gettext_lazy("On track"),
    "warning": gettext_lazy("Due soon"),
    "breached": gettext_lazy("Overdue"),
    "paused": gettext_lazy("Paused"),
    "met": gettext_lazy("Met"),
    "missed": gettext_lazy("Met late"),
    "stopped": gettext_lazy("Stopped"),
}


def duration_words(seconds: int) -> str:
    """Business time in a few words: "45 min", "2 h 15 min", "12 h"."""
    minutes = max(0, abs(int(seconds))) // 60
    if minutes < 1:
        return _("less than a minute")
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return _("%(m)d min") % {"m": rest}
    if rest == 0 or hours >= 10:
        return _("%(h)d h") % {"h": hours}
    return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}


@dataclass(frozen=True)
class ClockView:
    kind: str
    label: str
    state: str  # ok | warning | breached | paused | met | missed | stopped
    state_label: str
    counting: bool
    target_minutes: int
    deadline: datetime | None
    remaining_seconds: int
    elapsed_seconds: int
    breached_at: datetime | None
    met_at: datetime | None

    @property
    def remaining_text(self) -> str:
        """ "2 h 15 min left", "overdue by 40 min", "met", "paused"."""
        if self.state in ("paused",):
            return _("paused")
        if not self.counting:
            return str(self.state_label).lower() if self.state != "met" else _("met")
        if self.remaining_seconds < 0 or self.state == "breached":
            return _("overdue by %(time)s") % {"time": duration_words(self.remaining_seconds)}
        return _("%(time)s left") % {"time": duration_words(self.remaining_seconds)}

    @property
    def target_text(self) -> str:
        return duration_words(self.target_minutes * 60)

    @property
    def elapsed_text(self) -> str:
        return duration_words(self.elapsed_seconds)


def clock_view(clock: SlaClock, now: datetime) -> ClockView:
    summary = clock_summary(clock, now=now)
    counting = clock.running_since is not None
    if clock.state == ClockState.PAUSED:
        state = "paused"
    elif clock.state == ClockState.BREACHED or (counting and summary["remaining_seconds"] < 0):
        state = "breached" if counting else "missed"
    elif clock.state == ClockState.MET:
        state = "met"
    elif clock.state == ClockState.STOPPED:
        state = "stopped"
    elif clock.warned_at is not None or (clock.warn_at is not None and now >= clock.warn_at):
        state = "warning"
    else:
        state = "ok"
    return ClockView(
        kind=clock.kind,
        label=str(CLOCK_LABELS.get(clock.kind, clock.kind)),
        state=state,
        state_label=str(STATE_LABELS[state]),
        counting=counting and state != "paused",
        target_minutes=summary["target_minutes"],
        deadline=summary["deadline"],
        remaining_seconds=summary["remaining_seconds"],
        elapsed_seconds=summary["elapsed_seconds"],
        breached_at=summary["breached_at"],
        met_at=clock.met_at,
    )


def most_urgent(views: list[ClockView]) -> ClockView | None:
    """What a queue row shows: the counting clock with the least time left; else a paused
    one; else the last finished one (missed before met)."""
    counting = [v for v in views if v.counting]
    if counting:
        return min(counting, key=lambda v: v.remaining_seconds)
    for wanted in ("paused", "missed", "met", "stopped"):
        for view in views:
            if view.state == wanted:
                return view
    return None


def clocks_of_page(
    actor: User, tickets: Iterable, *, now: datetime | None = None
) -> dict[int, list[ClockView]]:
    """The clocks of a page of tickets, one query whatever the page size."""
    now = now or wallclock.now()
    found: dict[int, list[ClockView]] = defaultdict(list)
    for clock in clocks_of_tickets(actor, tickets):
        found[clock.ticket_id].append(clock_view(clock, now))
    return dict(found)


def urgent_by_ticket(actor: User, tickets: Iterable, *, now=None) -> dict[int, ClockView]:
    return {
        ticket_id: view
        for ticket_id, views in clocks_of_page(actor, tickets, now=now).items()
        if (view := most_urgent(views)) is not None
    }


@dataclass(frozen=True)
class Expectation:
    """One line for the requester: what we aim for, in plain words (no policy, no
    escalation, no alarming vocabulary)."""

    aim: str  # "respond" | "resolve"
    state: str  # "on_time" | "late" | "paused"
    deadline: datetime | None


def portal_expectations(
    actor: User, tickets: Iterable, *, now: datetime | None = None
) -> dict[int, list[Expectation]]:
    """Running or paused clocks of open tickets, as the requester reads them (one query for
    the open tickets, none when there are none)."""
    open_tickets = [ticket for ticket in tickets if ticket.is_open]
    if not open_tickets:
        return {}
    now = now or wallclock.now()
    found: dict[int, dict[str, Expectation]] = defaultdict(dict)
    for sla_clock in clocks_of_tickets(actor, open_tickets):
        view = clock_view(sla_clock, now)
        if not view.counting and view.state != "paused":
            continue
        aim = "resolve" if view.kind == "resolution" else "respond"
        if view.state == "paused":
            state = "paused"
        elif view.state == "breached":
            state = "late"
        else:
            state = "on_time"
        found[sla_clock.ticket_id][aim] = Expectation(aim=aim, state=state, deadline=view.deadline)
    return {ticket_id: _plain(aims) for ticket_id, aims in found.items()}


def _plain(found: dict[str, Expectation]) -> list[Expectation]:
    lines = [found[aim] for aim in ("respond", "resolve") if aim in found]
    if lines and all(line.state == "paused" for line in lines):
        return lines[:1]  # one "paused" sentence is enough
    return lines
