"""The service catalogue over the API: browse what the caller may request, read a form's
schema, submit a request (the same validation as the portal: forms_engine.clean), read
requests' answers (filterable by item), follow a request's approvals and tasks, withdraw it,
and work its tasks. Approving is the desk's one decision: POST /approvals/{id}/decision."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from atiende.accounts.models import User
from atiende.core.api import (
    Id,
    InputSchema,
    Moment,
    PersonRef,
    Ref,
    TeamRef,
    errors,
    next_url,
    person_ref,
)
from atiende.core.errors import NotFound, ValidationFailed
from atiende.core.i18n import in_language
from atiende.core.pagination import check_cursor, paginate
from atiende.tickets.models import Channel, Ticket
from atiende.tickets.selectors import ticket_get, visibility

from . import actions, forms_engine, selectors
from .models import CatalogueItem, FulfilmentTask, RequestAnswers

router = Router(tags=["catalogue"])

PAGE_MAX = 100
REQUESTS_ORDER = ["-ticket_id"]


class CatalogueCategoryRef(Schema):
    id: int
    name: str


class ServiceRef(Schema):
    id: int
    name: str


class CatalogueItemOut(Schema):
    id: int
    name: str
    description: str
    category: CatalogueCategoryRef
    service: ServiceRef | None
    delivery_days: int | None = Field(description="Expected delivery, in working days.")


class ItemDetailOut(CatalogueItemOut):
    form: dict[str, Any] = Field(
        description="The request form as a JSON schema: each property's `x-type`, "
        "`x-required`, `x-options` and `x-show-when` ({field, in}: shown only when that "
        "field's answer is one of those values; a hidden field must not be answered)."
    )


class CatalogueItemRef(Schema):
    id: int
    name: str


class TicketBrief(Schema):
    id: int
    number: str
    title: str
    status: str


class AnswerRow(Schema):
    key: str
    type: str
    label: str
    display: str


class RequestOut(Schema):
    ticket: TicketBrief
    item: CatalogueItemRef
    answers: dict[str, Any] = Field(description="Typed answers by field key.")
    rows: list[AnswerRow] = Field(description="Each answer as shown, in the form's order.")


class RequestPage(Schema):
    items: list[RequestOut]
    count: int
    count_exact: bool
    next: str | None


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the authenticators let only active users through


def _item_data(item: CatalogueItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": item.label(),
        "description": item.description_label(),
        "category": {"id": item.category_id, "name": item.category.label()},
        "service": {"id": item.service_id, "name": item.service.name} if item.service else None,
        "delivery_days": item.delivery_days,
    }


def _answers_data(answers: RequestAnswers, ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket": {
            "id": ticket.pk,
            "number": ticket.number,
            "title": ticket.title,
            "status": ticket.status,
        },
        "item": {"id": answers.item_id, "name": answers.item.label()},
        "answers": answers.values,
        "rows": [
            {
                "key": row["key"],
                "type": row["type"],
                "label": in_language(row["label"], row.get("label_es", "")),
                "display": in_language(row["display"], row.get("display_es", "")),
            }
            for row in answers.rows
        ],
    }


@router.get(
    "/catalogue/items",
    response={200: list[CatalogueItemOut], **errors(401)},
    url_name="catalogue_items",
    summary="The catalogue items the caller may request, in catalogue order",
)
def items_list(request):
    return [_item_data(item) for item in selectors.items_requestable_by(_user(request))]


@router.get(
    "/catalogue/items/{item_id}",
    response={200: ItemDetailOut, **errors(401, 404, 422)},
    url_name="catalogue_item",
    summary="One catalogue item with its request form's schema",
)
def item_get(request, item_id: Id):
    item = selectors.item_for_request(_user(request), item_id)
    return {**_item_data(item), "form": forms_engine.schema(list(item.fields.all()))}


REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"answers": {"type": "object"}},
                    "additionalProperties": False,
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "answers": {"type": "string", "description": "The answers as JSON."}
                    },
                    "additionalProperties": {"type": "string", "format": "binary"},
                    "description": "With attachment fields: each file under its field's key.",
                }
            },
        },
    }
}


def _submitted(request: HttpRequest) -> tuple[Any, dict[str, list]]:
    """The answers (and files) of a submission: a JSON body {"answers": {...}}, or a
    multipart form with `answers` (JSON text) and each file under its field's key."""
    multipart = (request.content_type or "").startswith("multipart/form-data")
    if multipart:
        text = request.POST.get("answers") or "{}"
        files = {key: request.FILES.getlist(key) for key in request.FILES}
        extra = [key for key in request.POST if key != "answers"]
        if extra:
            raise ValidationFailed.field(
                extra[0][:60], _("Send the answers as JSON in the `answers` field.")
            )
    else:
        text, files = request.body.decode("utf-8", errors="replace") or "{}", {}
    try:
        body = json.loads(text)
    except ValueError:
        raise ValidationFailed.field("answers", _("The answers are not valid JSON.")) from None
    if not multipart:  # the JSON body: {"answers": {...}}
        if not isinstance(body, dict) or set(body) - {"answers"}:
            raise ValidationFailed.field("answers", _("Send an object with one member, `answers`."))
        body = body.get("answers", {})
    return body, files


@router.post(
    "/catalogue/items/{item_id}/requests",
    response={201: RequestOut, **errors(400, 401, 403, 404, 413, 422)},
    url_name="catalogue_request_submit",
    summary="Request an item: validates the answers as the portal does, opens a REQ- ticket",
    openapi_extra=REQUEST_BODY,
)
def request_submit(request, item_id: Id):
    actor = _user(request)
    selectors.item_for_request(actor, item_id)  # 404 before judging the body
    answers, files = _submitted(request)
    ticket = actions.request_submit(
        actor=actor, item_id=item_id, answers=answers, files=files, channel=Channel.API
    )
    found = selectors.answers_get(actor, ticket)
    if found is None:  # pragma: no cover - the requester sees their own request
        raise NotFound()
    return Reply(201, _answers_data(found, ticket))


class RequestsQuery(Schema):
    item: Id | None = Field(None, description="Only requests of this catalogue item.")
    cursor: str | None = None
    limit: int = Field(25, ge=1, le=PAGE_MAX)


@router.get(
    "/catalogue/requests",
    response={200: RequestPage, **errors(401, 422)},
    url_name="catalogue_requests",
    summary="Catalogue requests the caller sees, newest first, with their answers",
)
def requests_list(request, query: Query[RequestsQuery]):
    actor = _user(request)
    check_cursor(query.cursor, REQUESTS_ORDER)
    rows = RequestAnswers.objects.filter(visibility(actor, via="ticket__"))
    if query.item is not None:
        rows = rows.filter(item_id=query.item)
    page = paginate(
        rows.select_related("ticket", "item"),
        order=REQUESTS_ORDER,
        cursor=query.cursor,
        limit=query.limit,
    )
    return {
        "items": [_answers_data(row, row.ticket) for row in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "next": next_url(request, page.next_cursor),
    }


@router.get(
    "/catalogue/requests/{ticket_id}",
    response={200: RequestOut, **errors(401, 404, 422)},
    url_name="catalogue_request",
    summary="The answers of one catalogue request (by ticket id or number)",
)
def request_get(request, ticket_id: Ref):
    actor = _user(request)
    ticket = ticket_get(actor, ticket_id)
    found = selectors.answers_get(actor, ticket)
    if found is None:
        raise NotFound()
    return _answers_data(found, ticket)


# --- approvals and fulfilment tasks -----------------------------------------------------------


class TaskOut(Schema):
    id: int
    title: str = Field(description="In the caller's language.")
    team: TeamRef
    position: int
    mode: str = Field(description="sequence | parallel (opens with the task before it)")
    status: str = Field(description="waiting | open | done | cancelled")
    assignee: PersonRef | None
    opened_at: datetime | None
    due_at: datetime | None = Field(description="Business time from the request's SLA calendar.")
    done_at: datetime | None
    note: str | None = Field(description="Internal note given on completion (agents only).")


class RequestApprovalOut(Schema):
    id: int
    step: str = Field(description="Who approves: the manager, the service owner or a board.")
    approver: PersonRef
    status: str = Field(description="pending | approved | rejected")
    decided_at: datetime | None


class ProgressOut(Schema):
    ticket: TicketBrief
    approval: str = Field(description="none | pending | approved | rejected")
    approvals: list[RequestApprovalOut]
    tasks: list[TaskOut]


class TaskCompleteIn(Schema):
    note: str = Field("", max_length=2000, description="Internal note (agents only read it).")


class TaskAddIn(InputSchema):
    title: str = Field(max_length=200)
    team: Id = Field(description="The team's id.")
    assignee: Id | None = Field(None, description="An agent's id (optional).")
    due_at: Moment | None = Field(
        None, description="When it is due (optional; read in your time zone without one)."
    )


class WithdrawIn(Schema):
    reason: str = Field("", max_length=2000)


def _task_data(task: FulfilmentTask, actor: User) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.label(),
        "team": {"id": task.team.pk, "name": task.team.name},
        "position": task.position,
        "mode": task.mode,
        "status": task.status,
        "assignee": person_ref(task.assignee),
        "opened_at": task.opened_at,
        "due_at": task.due_at,
        "done_at": task.done_at,
        "note": task.note if actor.is_agent else None,
    }


def _progress_data(ticket: Ticket, actor: User) -> dict[str, Any]:
    progress = selectors.progress_get(actor, ticket)
    return {
        "ticket": ticket,
        "approval": progress.approval_state,
        "approvals": [
            {
                "id": a.pk,
                "step": a.step.label() if a.step else "",
                "approver": person_ref(a.approver),
                "status": a.status,
                "decided_at": a.decided_at,
            }
            for a in progress.approvals
        ],
        "tasks": [_task_data(t, actor) for t in progress.tasks],
    }


def _request(actor: User, ticket_id: Any) -> Ticket:
    ticket = ticket_get(actor, ticket_id)
    if selectors.answers_get(actor, ticket) is None:
        raise NotFound()
    return ticket


@router.get(
    "/catalogue/requests/{ticket_id}/progress",
    response={200: ProgressOut, **errors(401, 404, 422)},
    url_name="catalogue_request_progress",
    summary="A request's approvals and fulfilment tasks (the requester's progress view)",
)
def request_progress(request, ticket_id: Ref):
    actor = _user(request)
    return _progress_data(_request(actor, ticket_id), actor)


@router.get(
    "/catalogue/requests/{ticket_id}/tasks",
    response={200: list[TaskOut], **errors(401, 404, 422)},
    url_name="catalogue_request_tasks",
    summary="A request's fulfilment tasks, in order",
)
def request_tasks(request, ticket_id: Ref):
    actor = _user(request)
    ticket = _request(actor, ticket_id)
    return [_task_data(t, actor) for t in selectors.progress_get(actor, ticket).tasks]


@router.post(
    "/catalogue/requests/{ticket_id}/withdraw",
    response={200: ProgressOut, **errors(400, 401, 403, 404, 422)},
    url_name="catalogue_request_withdraw",
    summary="The requester withdraws their open request (approvals withdrawn, tasks cancelled)",
)
def request_withdraw(request, ticket_id: Ref, payload: WithdrawIn):
    actor = _user(request)
    ticket = _request(actor, ticket_id)
    ticket = actions.request_withdraw(actor=actor, ticket_id=ticket.pk, reason=payload.reason)
    return _progress_data(ticket, actor)


@router.post(
    "/catalogue/tasks/{task_id}/complete",
    response={200: TaskOut, **errors(400, 401, 404, 422)},
    url_name="catalogue_task_complete",
    summary="Mark an open task done (agents who see the request); the next tasks open, or "
    "the request resolves after the last",
)
def task_complete(request, task_id: Id, payload: TaskCompleteIn):
    actor = _user(request)
    task = actions.task_complete(actor=actor, task_id=task_id, note=payload.note)
    return _task_data(_task(task.pk), actor)


@router.post(
    "/catalogue/requests/{ticket_id}/tasks",
    response={201: TaskOut, **errors(400, 401, 404, 409, 422)},
    url_name="catalogue_request_task_add",
    summary="Add a task by hand to an open service request (agents who may work it): it runs "
    "with the open tasks; the request resolves when every task is done",
)
def request_task_add(request, ticket_id: Ref, payload: TaskAddIn):
    actor = _user(request)
    task = actions.task_add(
        actor=actor, ticket_id=ticket_get(actor, ticket_id).pk, title=payload.title,
        team_id=payload.team, assignee_id=payload.assignee, due_at=payload.due_at,
    )  # fmt: skip
    return Reply(201, _task_data(_task(task.pk), actor))


@router.post(
    "/catalogue/tasks/{task_id}/take",
    response={200: TaskOut, **errors(400, 401, 404, 422)},
    url_name="catalogue_task_take",
    summary="Take a task (become its assignee)",
)
def task_take(request, task_id: Id):
    actor = _user(request)
    task = actions.task_take(actor=actor, task_id=task_id)
    return _task_data(_task(task.pk), actor)


def _task(pk: int) -> FulfilmentTask:
    return FulfilmentTask.objects.select_related("team", "assignee").get(pk=pk)
