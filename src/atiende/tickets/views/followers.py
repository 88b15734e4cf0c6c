"""The desk ticket page's followers card: follow and unfollow (the card is a panel,
tickets.views.cards)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core.http import agents_only

from .. import actions, selectors


@require_POST
@agents_only
def ticket_follow(request, number: str):
    ticket = selectors.ticket_get(request.user, number)
    if actions.ticket_follow(actor=request.user, ticket_id=ticket.pk):
        messages.success(request, _("You follow this ticket: you will be told of its activity."))
    return redirect(reverse("desk:ticket", args=[ticket.number]) + "#followers")


@require_POST
@agents_only
def ticket_unfollow(request, number: str):
    ticket = selectors.ticket_get(request.user, number)
    if actions.ticket_unfollow(actor=request.user, ticket_id=ticket.pk):
        messages.success(request, _("You no longer follow this ticket."))
    return redirect(reverse("desk:ticket", args=[ticket.number]) + "#followers")
