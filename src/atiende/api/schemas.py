"""Schemas shared by every router: the error format and references to people and teams."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field

from atiende.core.ids import MAX_ID

# Database ids as clients send them in bodies and query parameters: 1..MAX_ID (BigAutoField's
# range), so an absurd number is a 422 on the field, never a database overflow.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


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
