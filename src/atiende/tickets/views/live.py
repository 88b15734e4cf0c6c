"""The live desk's polls (docs/live-desk.md): an open ticket page or queue asks every few
seconds whether anything changed. An unchanged answer is a 304 with no body."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from atiende.core.http import agents_only
from atiende.core.ids import parse_id

from .. import live, selectors

TOKEN_HEADER = "X-Live-Token"  # a fresh poll token (live.poll_token) on every signed-in answer


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
        answer = _private(HttpResponseNotModified(), tag)
        answer[TOKEN_HEADER] = live.poll_token(request.user, ticket_id, number.upper()[:20])
        return answer
    ticket = selectors.ticket_get(request.user, ticket_id)  # NotFound: 404
    others = live.announce(ticket_id, request.user, mode)
    tag = live.etag(request.user, ticket.version, ticket.updated_at, others)
    context: dict[str, object] = {"others": others, "ticket": ticket}
    seen = parse_id(request.GET.get("seen", ""))
    if seen is not None:  # the ticket or its visitors moved on: say what changed
        changes = live.changes_since(request.user, ticket, seen)
        context.update(ticket=ticket, changes=changes, stale=bool(changes))
    answer = _private(render(request, "tickets/desk/_live.html", context), tag)
    answer[TOKEN_HEADER] = live.poll_token(request.user, ticket.pk, ticket.number)
    return answer


def idle_answer(request: HttpRequest) -> HttpResponse | None:
    """The idle poll without the session: a 304 when the request carries a valid poll token
    (`t`, live.read_poll_token) for this very URL and the tag the page holds is still the
    current one for the token's user. Anything else (no token, expired, forged, another
    ticket's, the ticket or its visitors changed) answers None: the signed-in path decides.
    One query (the ticket's version by primary key) and one presence read; no session, no
    user row, no access rule (the token was minted after it, for TOKEN_SECONDS)."""
    claims = live.read_poll_token(request.GET.get("t", ""))
    if claims is None or request.path != reverse("desk:ticket_live", args=[claims.number]):
        return None
    stamp = live.ticket_stamp_by_id(claims.ticket_id)
    if stamp is None:
        return None
    version, updated_at = stamp
    entries = live.presence_of(claims.ticket_id)
    tag = live.etag(claims.user_id, version, updated_at, live.others_in(entries, claims.user_id))
    if not _not_modified(request, tag):
        return None
    # a write only every PRESENCE_TTL / 2, from the entries just read
    live.announce_as(
        claims.ticket_id, claims.user_id, claims.name, request.GET.get("mode", ""), entries
    )
    return _private(HttpResponseNotModified(), tag)


class IdlePollMiddleware:
    """Answers the ticket page's idle poll before the session, authentication and the rest of
    the stack (settings.MIDDLEWARE, right after the security headers): about half of a
    signed-in poll's cost was loading the session and the user (docs/live-desk.md). Only a
    GET of a `…/live/` URL with a `t=` parameter is looked at; everything else, and every
    poll `idle_answer` declines, goes on unchanged."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "GET"
            and request.path_info.endswith("/live/")
            and "t=" in request.META.get("QUERY_STRING", "")
        ):
            answer = idle_answer(request)
            if answer is not None:
                return answer
        return self.get_response(request)


@require_GET
@agents_only
def queue_live(request):
    """The queue's poll: a new ETag whenever any ticket the agent sees changes."""
    tag = live.queue_stamp(request.user)
    if _not_modified(request, tag):
        return _private(HttpResponseNotModified(), tag)
    return _private(HttpResponse(status=200), tag)
