"""The people in copy of a ticket from its pages: add and remove, on the desk (agents: any
address) and in the portal (requesters: colleagues of their organisation). The cards are
panels (tickets.views.cards); the rules are tickets.actions.participant_add/_remove."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core.errors import ValidationFailed
from atiende.core.http import agents_only

from .. import actions, selectors
from .portal import requester_area


def _add(request, number: str, page: str):
    ticket = selectors.ticket_get(request.user, number)  # NotFound: the middleware's 404
    email = request.POST.get("email", "")
    try:
        found = actions.participant_add(actor=request.user, ticket_id=ticket.pk, email=email)
    except ValidationFailed as exc:
        # The card is a small form: its refusal is a message above the page.
        messages.error(request, "; ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, _("%(email)s is in copy.") % {"email": found.email})
    return redirect(reverse(page, args=[ticket.number]) + "#participants")


def _remove(request, number: str, participant_id: int, page: str):
    ticket = selectors.ticket_get(request.user, number)
    actions.participant_remove(
        actor=request.user, ticket_id=ticket.pk, participant_id=participant_id
    )
    return redirect(reverse(page, args=[ticket.number]) + "#participants")


@require_POST
@agents_only
def desk_add(request, number: str):
    return _add(request, number, "desk:ticket")


@require_POST
@agents_only
def desk_remove(request, number: str, participant_id: int):
    return _remove(request, number, participant_id, "desk:ticket")


@requester_area
@require_POST
def portal_add(request, number: str):
    return _add(request, number, "portal:ticket")


@requester_area
@require_POST
def portal_remove(request, number: str, participant_id: int):
    return _remove(request, number, participant_id, "portal:ticket")
