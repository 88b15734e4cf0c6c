"""Which canned responses a person sees: their own personal ones, their teams' ones and
everyone's. Agents only: requesters see none."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from atiende.accounts.models import User
from atiende.accounts.selectors import team_ids_of
from atiende.core.errors import NotFound
from atiende.core.queries import one_or_none
from atiende.tickets.selectors import ticket_get

from . import placeholders
from .models import CannedResponse, Language, Scope

SEARCH_LIMIT = 10


def responses_visible_to(actor: User) -> QuerySet[CannedResponse]:
    if actor is None or not actor.is_authenticated or not actor.is_active or not actor.is_agent:
        return CannedResponse.objects.none()
    return CannedResponse.objects.filter(
        Q(scope=Scope.GLOBAL)
        | Q(scope=Scope.TEAM, team_id__in=team_ids_of(actor))
        | Q(scope=Scope.PERSONAL, owner=actor)
    )


def personal_of(actor: User) -> QuerySet[CannedResponse]:
    return responses_visible_to(actor).filter(scope=Scope.PERSONAL)


def response_get(actor: User, response_id: int) -> CannedResponse:
    found = one_or_none(responses_visible_to(actor).filter(pk=response_id))
    if found is None:
        raise NotFound()
    return found


def search(
    actor: User, query: str = "", *, language: str = "", limit: int = SEARCH_LIMIT
) -> list[CannedResponse]:
    """At most `limit` responses whose title (or text) contains `query`: the reader's own
    first, then their teams', then everyone's; in `language` or any language when given."""
    rows = responses_visible_to(actor).select_related("team")
    query = query.strip()[:100]
    if query:
        rows = rows.filter(Q(title__icontains=query) | Q(body__icontains=query))
    if language in (Language.ES, Language.EN):
        rows = rows.filter(language__in=[language, Language.ANY])
    order = Case(
        When(scope=Scope.PERSONAL, then=Value(0)),
        When(scope=Scope.TEAM, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(rows.order_by(order, "title", "id")[: max(1, min(limit, SEARCH_LIMIT))])


def search_for_ticket(
    actor: User, query: str, *, ticket_ref: int | str, language: str = "", limit: int = SEARCH_LIMIT
) -> list[tuple[CannedResponse, str]]:
    """`search`, each response with its text filled in for a ticket the actor sees (NotFound
    otherwise). Without a language, the requester's preferred one. Three queries in all."""
    ticket = ticket_get(actor, ticket_ref)
    if not language:
        language = getattr(ticket.requester, "language", "") or ""
    found = search(actor, query, language=language, limit=limit)
    return [(r, placeholders.render(r.body, ticket=ticket, agent=actor)) for r in found]
