"""The CMDB API: services, CIs, relations, impact, CSV, and the items a ticket affects.
Thin handlers: parse, call a selector or an action, shape the answer. Requesters get 404
for everything here (they see nothing of the CMDB); agents read; managers write."""

from __future__ import annotations

from typing import Any, Literal, cast

from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile
from pydantic import Field

from atiende.accounts.models import User
from atiende.core.api import Id, Ref, errors, next_url, person_ref
from atiende.core.errors import NotFound, ValidationFailed
from atiende.core.pagination import check_cursor, cursor_problem, paginate
from atiende.tickets.selectors import ticket_get

from . import actions, csv_io, selectors
from .models import CiClass, CiStatus, ConfigurationItem, Environment, Relation, RelationType
from .schemas import (
    ImpactOut,
    ImportOut,
    ItemCreateIn,
    ItemOut,
    ItemPageOut,
    ItemPatchIn,
    RelationIn,
    RelationOut,
    RelationPageOut,
    TicketItemOut,
    TicketItemsIn,
)

router = Router(tags=["cmdb"])


class ItemQuery(Schema):
    ci_class: list[str] = Field(default=[], description="Repeat or separate with commas.")
    status: list[str] = Field(default=[], description="Repeat or separate with commas.")
    environment: list[str] = Field(default=[], description="Repeat or separate with commas.")
    team: Id | None = Field(default=None, description="Owner team id.")
    services: bool = Field(default=False, description="Only business and technical services.")
    q: str = Field(default="", max_length=200, description="Part of the name.")
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=50, ge=1, le=200)


class RelationQuery(Schema):
    item: Id | None = Field(default=None, description="Relations of this item (either end).")
    type: str | None = Field(default=None, description=", ".join(RelationType.values))
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=100, ge=1, le=500)


class ImpactQuery(Schema):
    limit: int = Field(default=500, ge=1, le=5000, description="At most this many items.")


# --- shaping answers --------------------------------------------------------------------------


def item_ref(item: ConfigurationItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": item.name,
        "ci_class": item.ci_class,
        "is_service": item.is_service,
    }


def item_data(request: HttpRequest, item: ConfigurationItem) -> dict[str, Any]:
    team = item.owner_team
    return {
        **item_ref(item),
        "status": item.status,
        "environment": item.environment,
        "owner_team": None if team is None else {"id": team.pk, "name": team.name},
        "description": item.description,
        "attributes": item.attributes,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "version": item.version,
        "url": request.build_absolute_uri(reverse("api:cmdb_item_get", args=[item.pk])),
    }


def relation_data(relation: Relation) -> dict[str, Any]:
    return {
        "id": relation.pk,
        "source": item_ref(relation.source),
        "type": relation.type,
        "target": item_ref(relation.target),
        "created_at": relation.created_at,
        "created_by": person_ref(relation.created_by),
    }


def _split(values: list[str], choices: list[str], field: str, problems: dict) -> list[str]:
    parts = [v.strip() for value in values for v in value.split(",") if v.strip()]
    if any(part not in choices for part in parts):
        problems[field] = [_("Unknown value.")]
    return parts


def _filters(query: ItemQuery) -> selectors.ItemFilters:
    problems: dict[str, list[str]] = {}
    filters = selectors.ItemFilters(
        ci_class=_split(query.ci_class, CiClass.values, "ci_class", problems),
        status=_split(query.status, CiStatus.values, "status", problems),
        environment=_split(query.environment, Environment.values, "environment", problems),
        team=query.team,
        services_only=query.services,
        q=query.q,
    )
    if problem := cursor_problem(query.cursor, selectors.ORDER):
        problems["cursor"] = [problem]
    if problems:
        raise ValidationFailed(errors=problems)
    return filters


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _visible_item(request: HttpRequest, item_id: int) -> ConfigurationItem:
    return selectors.item_get(_actor(request), item_id)


# --- items ----------------------------------------------------------------------------------


@router.get(
    "/cmdb/items",
    response={200: ItemPageOut, **errors(401, 422)},
    url_name="cmdb_item_list",
    summary="Services and configuration items, filtered, by name",
)
def item_list(request, query: Query[ItemQuery]):
    page = selectors.item_page(
        request.user, _filters(query), cursor=query.cursor, limit=query.limit
    )
    return {
        "items": [item_data(request, item) for item in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url(request, page.next_cursor),
    }


@router.get(
    "/cmdb/items.csv",
    response={200: None, **errors(401, 422)},
    url_name="cmdb_item_export",
    summary="The filtered list as CSV (the columns the import reads)",
)
def item_export(request, query: Query[ItemQuery]):
    items = selectors.items_filtered(request.user, _filters(query))
    response = StreamingHttpResponse(
        csv_io.export_items(items), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="configuration-items.csv"'
    return response


@router.post(
    "/cmdb/items",
    response={201: ItemOut, **errors(400, 401, 403, 404, 422)},
    url_name="cmdb_item_create",
    summary="Create a service or CI (managers)",
)
def item_create(request, payload: ItemCreateIn):
    item = actions.item_create(
        actor=request.user,
        name=payload.name,
        ci_class=payload.ci_class,
        status=payload.status,
        environment=payload.environment,
        owner_team_id=payload.owner_team,
        description=payload.description,
        attributes=payload.attributes,
    )
    return Reply(201, item_data(request, selectors.item_get(request.user, item.pk)))


@router.get(
    "/cmdb/items/{item_id}",
    response={200: ItemOut, **errors(401, 404, 422)},
    url_name="cmdb_item_get",
    summary="One service or CI",
)
def item_get(request, item_id: Id):
    return item_data(request, _visible_item(request, item_id))


@router.patch(
    "/cmdb/items/{item_id}",
    response={200: ItemOut, **errors(400, 401, 403, 404, 409, 422)},
    url_name="cmdb_item_update",
    summary="Change fields of a service or CI (managers); send `version` to detect conflicts",
)
def item_update(request, item_id: Id, payload: ItemPatchIn):
    _visible_item(request, item_id)
    sent = payload.model_dump(exclude_unset=True)
    version = sent.pop("version", None)
    problems = {
        key: [_("This field cannot be empty.")]
        for key, value in sent.items()
        if value is None and key != "owner_team"
    }
    if problems:
        raise ValidationFailed(errors=problems)
    actions.item_update(actor=request.user, item_id=item_id, changes=sent, version=version)
    return item_data(request, selectors.item_get(request.user, item_id))


@router.delete(
    "/cmdb/items/{item_id}",
    response={204: None, **errors(401, 403, 404, 409, 422)},
    url_name="cmdb_item_delete",
    summary="Delete a service or CI with its relations (managers)",
)
def item_delete(request, item_id: Id, version: int | None = None):
    _visible_item(request, item_id)
    actions.item_delete(actor=request.user, item_id=item_id, version=version)
    return Reply(204, None)


@router.get(
    "/cmdb/items/{item_id}/impact",
    response={200: ImpactOut, **errors(401, 404, 422)},
    url_name="cmdb_item_impact",
    summary="What fails when this item fails: impacted services and items, transitively",
)
def item_impact(request, item_id: Id, query: Query[ImpactQuery]):
    item = _visible_item(request, item_id)
    impact = selectors.impacted_items(request.user, [item.pk], limit=query.limit)
    return {
        "item": item_ref(item),
        "services": [item_ref(service) for service in impact.services],
        "items": [{"item": item_ref(row.item), "depth": row.depth} for row in impact.rows],
        "total": impact.total,
        "truncated": impact.truncated,
        "edges": [
            {"cause": edge.cause, "impacted": edge.impacted, "type": edge.type}
            for edge in impact.edges
        ],
    }


# --- relations ------------------------------------------------------------------------------


@router.get(
    "/cmdb/relations",
    response={200: RelationPageOut, **errors(401, 422)},
    url_name="cmdb_relation_list",
    summary="Relations, optionally of one item (either end) and of one type",
)
def relation_list(request, query: Query[RelationQuery]):
    relations = selectors.relations_visible_to(request.user).select_related("created_by")
    if query.item:
        relations = relations.filter(selectors.items_related_q([query.item]))
    if query.type:
        if query.type not in RelationType.values:
            raise ValidationFailed.field("type", _("Unknown relation type."))
        relations = relations.filter(type=query.type)
    check_cursor(query.cursor, ["id"])
    page = paginate(relations, order=["id"], cursor=query.cursor, limit=query.limit)
    return {
        "items": [relation_data(relation) for relation in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url(request, page.next_cursor),
    }


@router.get(
    "/cmdb/relations.csv",
    response={200: None, **errors(401)},
    url_name="cmdb_relation_export",
    summary="Every relation as CSV (the columns the import reads)",
)
def relation_export(request):
    response = StreamingHttpResponse(
        csv_io.export_relations(selectors.relations_visible_to(request.user)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="relations.csv"'
    return response


@router.post(
    "/cmdb/relations",
    response={201: RelationOut, **errors(400, 401, 403, 404, 422)},
    url_name="cmdb_relation_create",
    summary="Relate two items: “source <type> target” (managers)",
)
def relation_create(request, payload: RelationIn):
    relation = actions.relation_add(
        actor=request.user, source_id=payload.source, type=payload.type, target_id=payload.target
    )
    return Reply(201, relation_data(selectors.relation_get(request.user, relation.pk)))


@router.delete(
    "/cmdb/relations/{relation_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    url_name="cmdb_relation_delete",
    summary="Remove a relation (managers)",
)
def relation_delete(request, relation_id: Id):
    selectors.relation_get(request.user, relation_id)
    actions.relation_remove(actor=request.user, relation_id=relation_id)
    return Reply(204, None)


# --- import ---------------------------------------------------------------------------------


@router.post(
    "/cmdb/import",
    response={200: ImportOut, **errors(400, 401, 403, 404, 413, 422)},
    url_name="cmdb_import",
    summary="Import items or relations from CSV (managers); all rows or none",
    description=(
        "Multipart form: `file` (CSV, UTF-8), `kind` (`items` or `relations`), `dry_run` "
        "(true: check and preview, write nothing). Items are matched by class and name. Any "
        "invalid row answers 400 with `errors` keyed by line (e.g. `line 3`)."
    ),
)
def import_csv(
    request,
    file: File[UploadedFile],
    kind: Form[Literal["items", "relations"]] = "items",
    dry_run: Form[bool] = False,
):
    if not selectors.can_view(request.user):
        raise NotFound()
    if (file.size or 0) > csv_io.MAX_BYTES:
        raise csv_io.ImportRejected(_("The file is too large (10 MB at most)."), {"file": []})
    data = file.read()
    run = csv_io.import_items if kind == "items" else csv_io.import_relations
    result = run(actor=request.user, data=data, dry_run=dry_run)
    return result.__dict__


# --- the items a ticket affects -------------------------------------------------------------


def _ticket(request: HttpRequest, ticket_id: str):
    return ticket_get(_actor(request), ticket_id)


def ticket_item_data(link) -> dict[str, Any]:
    return {
        "item": item_ref(link.item),
        "added_at": link.created_at,
        "added_by": person_ref(link.created_by),
    }


@router.get(
    "/tickets/{ticket_id}/items",
    response={200: list[TicketItemOut], **errors(401, 404, 422)},
    url_name="ticket_item_list",
    summary="The services and CIs a ticket affects (agents)",
)
def ticket_item_list(request, ticket_id: Ref):
    ticket = _ticket(request, ticket_id)
    if not selectors.can_view(request.user):
        raise NotFound()
    return [ticket_item_data(link) for link in selectors.items_of_ticket(request.user, ticket)]


@router.post(
    "/tickets/{ticket_id}/items",
    response={200: list[TicketItemOut], **errors(400, 401, 404, 422)},
    url_name="ticket_item_set",
    summary="Link and unlink services and CIs a ticket affects (agents)",
)
def ticket_item_set(request, ticket_id: Ref, payload: TicketItemsIn):
    ticket = _ticket(request, ticket_id)
    links = actions.ticket_items_set(
        actor=request.user, ticket_id=ticket.pk, add=payload.add, remove=payload.remove
    )
    return [ticket_item_data(link) for link in links]
