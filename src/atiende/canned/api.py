"""Canned responses over the API: the reply box's keyboard search (agents only)."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from atiende.core.api import errors
from atiende.core.errors import Forbidden

from . import selectors

router = Router(tags=["canned responses"])


class CannedQuery(Schema):
    q: str = Field("", max_length=100, description="Words in the title or the text.")
    ticket: str = Field(
        "",
        max_length=40,
        pattern=r"^\s*(?:[0-9]{1,19}|[A-Za-z]{3}-[0-9]{1,12})?\s*$",
        description="Fill the placeholders for this ticket (its id or number).",
    )
    language: str = Field("", description="es or en: that language and any-language ones.")
    limit: int = Field(selectors.SEARCH_LIMIT, ge=1, le=selectors.SEARCH_LIMIT)


class CannedOut(Schema):
    id: int
    title: str
    scope: str = Field(description="personal, team or global.")
    team: str | None
    language: str = Field(description="es, en or any.")
    body: str = Field(description="The text; with `ticket`, its placeholders filled in.")


@router.get(
    "/canned-responses",
    response={200: list[CannedOut], **errors(401, 403, 404, 422)},
    url_name="canned_search",
    summary="Canned responses the caller may use (agents), best first, at most 10",
)
def canned_search(request, query: Query[CannedQuery]):
    if not request.user.is_agent:
        raise Forbidden()
    ticket = query.ticket.strip()
    if ticket:
        pairs = selectors.search_for_ticket(
            request.user, query.q, ticket_ref=ticket, language=query.language, limit=query.limit
        )
    else:
        found = selectors.search(request.user, query.q, language=query.language, limit=query.limit)
        pairs = [(r, r.body) for r in found]
    return [
        {
            "id": r.pk,
            "title": r.title,
            "scope": r.scope,
            "team": r.team.name if r.team is not None else None,
            "language": r.language,
            "body": body,
        }
        for r, body in pairs
    ]
