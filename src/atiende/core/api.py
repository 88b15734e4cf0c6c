"""The API kernel every domain's router uses: the error format, ids, references to people
and teams, and pieces of answers shaped the same way everywhere. (api/ is the composition
root that mounts the routers; it imports the domains, so they must not import it.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from atiende.core.dates import parse_moment
from atiende.core.errors import ValidationFailed
from atiende.core.ids import MAX_ID

# Database ids as clients send them in bodies, query parameters and URL paths: 1..MAX_ID (BigAutoField's
# range), so an absurd number is a 422 on the field, never a database overflow.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _within_id_bound(value: str) -> str:
    value = value.strip()
    if value.isdigit() and not 0 < int(value) <= MAX_ID:
        raise ValueError(_("An id is a whole number from 1 to %(max)d.") % {"max": MAX_ID})
    return value


# A reference to a ticket (or a change) in a URL path: its id, or its number (INC-000123).
# Anything else cannot name one, so it is a 422 on the parameter, never a database error;
# a well-formed reference to nothing the caller may see is a 404 (denied looks like missing).
Ref = Annotated[
    str,
    Field(
        pattern=r"^\s*(?:[0-9]{1,19}|[A-Za-z]{3}-[0-9]{1,12})\s*$",
        description="The id, or the number such as INC-000123.",
    ),
    AfterValidator(_within_id_bound),
]


def _moment_reader(*, end_of_day: bool) -> Callable[[Any, ValidationInfo], Any]:
    def read(value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None  # `Moment | None`: the None branch takes it
        try:
            moment = parse_moment(value, field=info.field_name or "", end_of_day=end_of_day)
        except ValidationFailed as exc:
            raise PydanticCustomError("moment", exc.first_message()) from None
        if moment is None:  # an empty string
            raise PydanticCustomError(
                "moment", _("Enter a date (2026-12-01) or a date and time (2026-12-01T09:00Z).")
            )
        return moment

    return read


# Dates and times in query parameters and JSON bodies, read once by core.dates.parse_moment:
# aware as given; naive in the caller's time zone; a date alone the start of that day
# (MomentEnd: its last instant, for the end of a range); years 1900..2999. Anything else is a
# 422 on the field, never a 500 (docs/api.md, "Dates").
Moment = Annotated[datetime, BeforeValidator(_moment_reader(end_of_day=False))]
MomentEnd = Annotated[datetime, BeforeValidator(_moment_reader(end_of_day=True))]


def _read_day(value: Any, info: ValidationInfo) -> Any:
    moment = _moment_reader(end_of_day=False)(value, info)
    return None if moment is None else timezone.localtime(moment).date()


# A calendar day (a baseline period, a review date): read as Moment is, then the day it falls
# on in the caller's time zone, so "2026-12-01", "2026-12-01T23:30-05:00" and the bounds on
# years behave as every other date the API takes.
Day = Annotated[date, BeforeValidator(_read_day)]


class InputSchema(Schema):
    """Request bodies reject unknown fields: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class ConflictOut(ErrorOut):
    current_version: int


class PersonRef(Schema):
    id: int
    display_name: str


class TeamRef(Schema):
    id: int
    name: str


class OrganizationRef(Schema):
    id: int
    name: str


def errors(*codes: int) -> dict[int, type[Schema]]:
    """Response models of the error answers an operation can give (for the OpenAPI document)."""
    return {code: ConflictOut if code == 409 else ErrorOut for code in codes}


def file_answer(media_type: str, description: str) -> dict[str, Any]:
    """`openapi_extra` of an operation whose 200 is a file rather than JSON (declare the 200
    as `None` in `response=`). `media_type` is "*/*" when the file keeps its own type."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    content = {media_type: binary}
    return {"responses": {200: {"description": description, "content": content}}}


def person_ref(user: Any) -> dict[str, Any] | None:
    """A person as the API shows one: id and display name (PersonRef)."""
    return None if user is None else {"id": user.pk, "display_name": user.display_name}


def next_url(request: HttpRequest, cursor: str | None) -> str | None:
    """The URL of the next page: this request's query with the next cursor, or None."""
    if cursor is None:
        return None
    params = request.GET.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
