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
    event (`seen`). Idle cost: the stamp query and one presence read."""
    stamp = live.ticket_stamp(request.user, number)
    if stamp is None:
        raise Http404
    ticket_id, version, updated_at = stamp
    others = live.announce(ticket_id, request.user, request.GET.get("mode", ""))
    tag = live.etag(version, updated_at, others)
    if _not_modified(request, tag):
        return _private(HttpResponseNotModified(), tag)
    context: dict[str, object] = {"others": others}
    seen = parse_id(request.GET.get("seen", ""))
    if seen is not None:  # the ticket or its visitors moved on: say what changed
        ticket = selectors.ticket_get(request.user, ticket_id)
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
