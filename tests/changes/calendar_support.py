"""Helpers of the change-calendar tests: changes with a planned window, placed directly in a
status (the workflow itself is tested by the changes tests), a small estate of services and
items, and blackout windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from atiende.changes import conflicts
from atiende.changes.models import BlackoutWindow, ChangeDetails, ChangeType
from atiende.cmdb.models import TicketItem
from atiende.tickets import actions
from atiende.tickets.models import Kind, Status, Ticket

from ..cmdb.factories import ItemFactory, ServiceFactory, relate

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday


def at(hours: float = 0, days: int = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def make_change(
    agent,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    status: str = Status.SCHEDULED,
    change_type: str = ChangeType.NORMAL,
    items=(),
    team=None,
    title: str = "Patch the database servers",
    risk_level: str = "medium",
) -> Ticket:
    ticket = actions.ticket_create(
        actor=agent,
        title=title,
        kind=Kind.CHANGE,
        requester_id=agent.pk,
        team_id=team.pk if team is not None else None,
    )
    ChangeDetails.objects.update_or_create(
        ticket=ticket,
        defaults={
            "change_type": change_type,
            "planned_start": start,
            "planned_end": end,
            "risk_level": risk_level,
        },
    )
    conflicts.note_window(start, end)  # as the changes actions' events do
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    for item in items:
        TicketItem.objects.create(ticket=ticket, item=item, created_at=timezone.now())
    ticket.refresh_from_db()
    return ticket


def make_blackout(name="Year-end freeze", *, start, end, items=(), reason="") -> BlackoutWindow:
    blackout = BlackoutWindow.objects.create(
        name=name, starts_at=start, ends_at=end, reason=reason, created_at=timezone.now()
    )
    blackout.items.set(items)
    return blackout


def small_estate() -> dict:
    """ERP and Mail services; erp-app and erp-db serve ERP, mail-app serves Mail; both run on
    host-1, so host-1 serves both services."""
    i = {
        "erp": ServiceFactory(name="ERP"),
        "mail": ServiceFactory(name="E-mail"),
        "erp_app": ItemFactory(name="erp-app", ci_class="application"),
        "erp_db": ItemFactory(name="erp-db", ci_class="database"),
        "mail_app": ItemFactory(name="mail-app", ci_class="application"),
        "host1": ItemFactory(name="host-1"),
        "printer": ItemFactory(name="printer-9", ci_class="other"),
    }
    relate(i["erp"], "depends_on", i["erp_app"])
    relate(i["erp"], "depends_on", i["erp_db"])
    relate(i["mail"], "depends_on", i["mail_app"])
    relate(i["erp_db"], "runs_on", i["host1"])
    relate(i["mail_app"], "runs_on", i["host1"])
    return i
