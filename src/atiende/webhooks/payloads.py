"""What a webhook receives: the event types one can subscribe to and the JSON of each
delivery, schema version 1 (docs/webhooks.md, "Payload"). Pure shaping, no writes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from atiende.tickets.models import Ticket

SCHEMA_VERSION = 1

# Event type -> its label in the pickers. Order = the order shown.
EVENT_TYPES: dict[str, Any] = {
    "ticket.created": _("Ticket created"),
    "ticket.updated": _("Ticket fields changed"),
    "ticket.status_changed": _("Ticket status changed"),
    "ticket.commented": _("Reply added (internal notes only where allowed)"),
    "ticket.merged": _("Ticket merged into another"),
    "sla.warning": _("SLA target about to be missed"),
    "sla.breached": _("SLA target missed"),
    "change.created": _("Change created"),
    "change.transitioned": _("Change moved to another state"),
    "change.approval_decided": _("Change approval decided"),
    "change.reviewed": _("Change reviewed"),
}
PING = "ping"


def _person(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "display_name": user.display_name}


def ticket_ref(ticket: Ticket) -> dict[str, Any]:
    path = reverse("desk:ticket", args=[ticket.number])
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "kind": ticket.kind,
        "title": ticket.title,
        "status": ticket.status,
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "requester": _person(ticket.requester),
        "assignee": _person(ticket.assignee),
        "team": None if ticket.team is None else {"id": ticket.team.pk, "name": ticket.team.name},
        "category": None if ticket.category is None else ticket.category.name,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "version": ticket.version,
        "url": urljoin(settings.SITE_URL.rstrip("/") + "/", path.lstrip("/")),
    }


def envelope(
    event_type: str,
    *,
    occurred_at: datetime,
    ticket: Ticket | None,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "id": str(uuid.uuid4()),
        "type": event_type,
        "occurred_at": occurred_at.isoformat(),
        "actor": _person(actor),
        "ticket": None if ticket is None else ticket_ref(ticket),
        "data": data or {},
    }
