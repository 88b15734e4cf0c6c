"""The accounts API: who am I, my API tokens, and the teams agents route tickets to."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from atiende.core.api import Id, InputSchema, OrganizationRef, TeamRef, errors
from atiende.core.errors import Forbidden, NotFound
from atiende.core.ids import parse_id

from . import actions, selectors
from .actions import MAX_TOKEN_DAYS

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    role: str
    language: str
    time_zone: str
    organization: OrganizationRef | None
    teams: list[TeamRef]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="None: the token never expires.")
    scopes: list[str] = Field(description="read (GET only), write (everything), tokens.")
    active: bool = Field(description="Neither revoked nor expired.")


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="Shown only in this answer; store it now.")


class TokenIn(InputSchema):
    name: str = Field(default="", max_length=100)
    scopes: list[Literal["read", "write", "tokens"]] = Field(
        default=["read", "write"],
        min_length=1,
        description="read: GET only; write: everything; tokens: may create and revoke tokens "
        "(only with a token that has it, or from a browser session).",
    )
    expires_in_days: int | None = Field(
        default=None, ge=1, le=MAX_TOKEN_DAYS, description="None: the token never expires."
    )


@router.get("/me", response={200: MeOut, **errors(401)}, summary="The signed-in user")
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role,
        "language": user.language,
        "time_zone": user.time_zone,
        "organization": user.organization,
        "teams": list(user.teams.all()),
    }


def _token_data(token) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "expires_at": token.expires_at,
        "scopes": token.scope_list,
        "active": token.is_active,
    }


@router.get(
    "/me/tokens",
    response={200: list[TokenOut], **errors(401)},
    url_name="token_list",
    summary="My API tokens (never their secrets)",
)
def token_list(request):
    return [_token_data(token) for token in selectors.tokens_of(request.user)]


@router.post(
    "/me/tokens",
    response={201: TokenCreatedOut, **errors(400, 401, 403, 422)},
    url_name="token_create",
    summary="Create an API token; the secret is in this answer only",
)
def token_create(request, payload: TokenIn):
    name = payload.name.replace("\x00", "")  # PostgreSQL text cannot hold NUL bytes
    issued = actions.api_token_create(
        actor=request.user,
        user=request.user,
        name=name,
        scopes=list(payload.scopes),
        expires_in_days=payload.expires_in_days,
        via_token=getattr(request, "api_token", None),
    )
    return Reply(201, {**_token_data(issued.token), "secret": issued.secret})


@router.delete(
    "/me/tokens/{token_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    url_name="token_revoke",
    summary="Revoke one of my API tokens",
)
def token_revoke(request, token_id: Id):
    # Only the caller's own tokens: an admin revokes other people's tokens in the admin site.
    if (
        parse_id(token_id) is None
        or not selectors.tokens_of(request.user).filter(pk=token_id).exists()
    ):
        raise NotFound()
    actions.api_token_revoke(
        actor=request.user, token_id=token_id, via_token=getattr(request, "api_token", None)
    )
    return Reply(204, None)


@router.get(
    "/teams",
    response={200: list[TeamRef], **errors(401)},
    url_name="team_list",
    summary="Teams tickets can be routed to (agents; empty for requesters)",
)
def team_list(request):
    return [{"id": t.pk, "name": t.name} for t in selectors.teams_visible_to(request.user)]


class PersonOut(Schema):
    id: int
    name: str
    email: str
    role: str
    organization: str | None


class PeopleQuery(Schema):
    q: str = Field("", max_length=100, description="The start of a name, e-mail or user name.")
    agents: bool = Field(False, description="Agents only (the assignee picker).")
    team: Id | None = Field(None, description="Members of this team only.")
    limit: int = Field(selectors.PICKER_LIMIT, ge=1, le=selectors.PICKER_LIMIT)


@router.get(
    "/people",
    response={200: list[PersonOut], **errors(401, 403, 422)},
    url_name="people_search",
    summary="Type-ahead search of people for the requester and assignee pickers (agents), "
    "at most 20",
)
def people_search(request, query: Query[PeopleQuery]):
    if not request.user.is_agent:
        raise Forbidden()
    found = selectors.people_search(
        request.user, query.q, agents=query.agents, team_id=query.team, limit=query.limit
    )
    return [
        {
            "id": p.pk,
            "name": p.display_name,
            "email": p.email,
            "role": p.role,
            "organization": p.organization.name if p.organization is not None else None,
        }
        for p in found
    ]
