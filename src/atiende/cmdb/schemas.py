"""Request and response schemas of the CMDB API (they document the OpenAPI answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from atiende.core.api import Id, InputSchema, PersonRef, TeamRef

from .models import CiClass, CiStatus, Environment, RelationType

CLASSES = ", ".join(CiClass.values)
STATUSES = ", ".join(CiStatus.values)
ENVIRONMENTS = ", ".join(Environment.values)
TYPES = ", ".join(RelationType.values)


class ItemRef(Schema):
    id: int
    name: str
    ci_class: str = Field(description=f"One of: {CLASSES}.")
    is_service: bool


class ItemOut(Schema):
    id: int
    name: str
    ci_class: str = Field(description=f"One of: {CLASSES}.")
    is_service: bool = Field(description="True for business and technical services.")
    status: str = Field(description=f"One of: {STATUSES}.")
    environment: str = Field(description=f"One of: {ENVIRONMENTS}.")
    owner_team: TeamRef | None
    description: str
    attributes: dict[str, Any] = Field(description="Free attributes (a flat JSON object).")
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Send it back with PATCH and DELETE to detect conflicts.")
    url: str


class ItemPageOut(Schema):
    items: list[ItemOut]
    count: int
    count_exact: bool = Field(description="False when the count stopped at 1,000.")
    next: str | None = Field(description="URL of the next page, or null.")


class ItemCreateIn(InputSchema):
    name: str = Field(max_length=1000)
    ci_class: str = Field(description=f"One of: {CLASSES}.", max_length=40)
    status: str = Field(default=CiStatus.ACTIVE, description=f"One of: {STATUSES}.", max_length=40)
    environment: str = Field(
        default=Environment.PRODUCTION, description=f"One of: {ENVIRONMENTS}.", max_length=40
    )
    owner_team: Id | None = Field(default=None, description="A team id.")
    description: str = Field(default="", max_length=100_000)
    attributes: dict[str, Any] = Field(
        default_factory=dict,
        description="At most 50 keys; values are text, numbers, true/false or null.",
    )


class ItemPatchIn(InputSchema):
    version: int | None = Field(default=None, description="The version you read (recommended).")
    name: str | None = Field(default=None, max_length=1000)
    ci_class: str | None = Field(default=None, max_length=40)
    status: str | None = Field(default=None, max_length=40)
    environment: str | None = Field(default=None, max_length=40)
    owner_team: Id | None = Field(default=None, description="A team id, or null for none.")
    description: str | None = Field(default=None, max_length=100_000)
    attributes: dict[str, Any] | None = Field(default=None, description="Replaces them all.")


class RelationOut(Schema):
    id: int
    source: ItemRef
    type: str = Field(description=f"One of: {TYPES}. Read as “source <type> target”.")
    target: ItemRef
    created_at: datetime
    created_by: PersonRef | None


class RelationIn(InputSchema):
    source: Id
    type: str = Field(description=f"One of: {TYPES}.", max_length=40)
    target: Id


class RelationPageOut(Schema):
    items: list[RelationOut]
    count: int
    count_exact: bool
    next: str | None


class ImpactedItemOut(Schema):
    item: ItemRef
    depth: int = Field(description="Relations between it and the failing item (1 = direct).")


class ImpactEdgeOut(Schema):
    cause: int = Field(description="When this item fails ...")
    impacted: int = Field(description="... this item is impacted.")
    type: str


class ImpactOut(Schema):
    item: ItemRef
    services: list[ItemRef] = Field(description="Every impacted service (itself if a service).")
    items: list[ImpactedItemOut] = Field(description="Impacted items, nearest first.")
    total: int = Field(description="All impacted items; `items` may stop at `limit`.")
    truncated: bool
    edges: list[ImpactEdgeOut] = Field(description="The impact graph between the listed items.")


class ImportOut(Schema):
    kind: str = Field(description="items or relations")
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    preview: list[dict[str, Any]] = Field(
        description="The first 200 rows: line, action (create, update, unchanged) and names."
    )


class TicketItemOut(Schema):
    item: ItemRef
    added_at: datetime
    added_by: PersonRef | None


class TicketItemsIn(InputSchema):
    add: list[Id] = Field(default_factory=list, max_length=500, description="Item ids to link.")
    remove: list[Id] = Field(
        default_factory=list, max_length=500, description="Item ids to unlink."
    )
