from __future__ import annotations

from ninja import Router, Schema

router = Router(tags=["accounts"])


class OrganizationOut(Schema):
    id: int
    name: str


class TeamRef(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    role: str
    language: str
    time_zone: str
    organization: OrganizationOut | None
    teams: list[TeamRef]


@router.get("/me", response=MeOut, summary="The signed-in user")
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
