"""The desk's "breaching soon" view: open tickets whose clocks are due within
BREACHING_WITHIN (or overdue), soonest deadline first. Tickets' queue shows it for
`?view=breaching` (registered in sla.panels)."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atiende.accounts.models import User
from atiende.core import clock
from atiende.tickets.forms.desk import VIEWS
from atiende.tickets.views.desk import queue_sidebar

from .display import clock_view
from .selectors import breaching_soon

BREACHING_WITHIN = timedelta(hours=4)
BREACHING_SHOWN = 100


def breaching(request: HttpRequest) -> HttpResponse:
    """One row per ticket, for its most pressing clock. The desk's queue view has already
    checked that the user is an agent."""
    user = cast(User, request.user)
    now = clock.now()
    clocks = breaching_soon(user, BREACHING_WITHIN, now=now).select_related(
        "ticket__requester", "ticket__organization", "ticket__category"
    )[: BREACHING_SHOWN * 3]
    rows, seen = [], set()
    for sla_clock in clocks:
        if sla_clock.ticket_id in seen:
            continue
        seen.add(sla_clock.ticket_id)
        rows.append((sla_clock.ticket, clock_view(sla_clock, now)))
        if len(rows) == BREACHING_SHOWN:
            break
    context = {
        "nav": "queue",
        **queue_sidebar(user),
        "view": "breaching",
        "view_label": VIEWS["breaching"],
        "rows": rows,
        "within_hours": int(BREACHING_WITHIN.total_seconds() // 3600),
        "shown_max": BREACHING_SHOWN,
    }
    return render(request, "sla/breaching.html", context)
