"""The live desk's polls (docs/live-desk.md): an open ticket page or queue asks every few
seconds whether anything changed. An unchanged answer is a 304 with no body."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.views.decorators.http import require_GET

from atiende.core.http import agents_only
from atiende.core.ids import parse_id

from .. import live, selectors


def _not_modified(request, tag: str) -> bool:
    return request.headers.get("If-None-Match", "") == tag


def _private(response: HttpResponse, tag: str) -> HttpResponse:
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
@agents_only
def ticket_live(request, number: str):
    """Who else is here and, when the ticket moved on, what changed since the page's last
    event (`seen`). Idle cost: one query by the ticket number's unique index and a presence
    read. The full access check runs whenever an answer has a body; a 304 goes only to a
    client holding the tag minted for this user and this exact state, i.e. one that passed
    that check and learns nothing new (an agent who lost access sees "not modified" until the
    ticket changes, then a 404)."""
    stamp = live.ticket_stamp(number)
    if stamp is None:
        raise Http404
    ticket_id, version, updated_at = stamp
    mode = request.GET.get("mode", "")
    tag = live.etag(request.user, version, updated_at, live.others_on(ticket_id, request.user))
    if _not_modified(request, tag):
        live.announce(ticket_id, request.user, mode)  # a write only every PRESENCE_TTL / 2
        return _private(HttpResponseNotModified(), tag)
    ticket = selectors.ticket_get(request.user, ticket_id)  # NotFound: 404
    others = live.announce(ticket_id, request.user, mode)
    tag = live.etag(request.user, ticket.version, ticket.updated_at, others)
    context: dict[str, object] = {"others": others, "ticket": ticket}
    seen = parse_id(request.GET.get("seen", ""))
    if seen is not None:  # the ticket or its visitors moved on: say what changed
        changes = live.changes_since(request.user, ticket, seen)
        context.update(ticket=ticket, changes=changes, stale=bool(changes))
    return _private(render(request, "tickets/desk/_live.html", context), tag)


@require_GET
@agents_only
def queue_live(request):
    """The queue's poll: a new ETag whenever any ticket the agent sees changes."""
    tag = live.queue_stamp(request.user)
    if _not_modified(request, tag):
        return _private(HttpResponseNotModified(), tag)
    return _private(HttpResponse(status=200), tag)
