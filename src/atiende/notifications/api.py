"""The notifications API: the caller's own notifications only (selectors decide)."""

from __future__ import annotations

from datetime import datetime

from ninja import Query, Router, Schema
from pydantic import Field

from atiende.core.api import Id, errors, next_url
from atiende.core.errors import NotFound
from atiende.core.ids import parse_id
from atiende.core.pagination import check_cursor, paginate

from . import actions, selectors
from .models import Notification

router = Router(tags=["notifications"])

ORDER = ["-created_at", "-id"]


class NotificationTicketRef(Schema):
    id: int
    number: str
    title: str


class NotificationOut(Schema):
    id: int
    verb: str = Field(description="The message key, e.g. sla_warning, sla_breach.")
    message: str = Field(description="The text, in the caller's language.")
    params: dict
    ticket: NotificationTicketRef | None
    created_at: datetime
    read_at: datetime | None


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    count: int
    count_exact: bool
    unread: int
    next: str | None


class MarkedOut(Schema):
    marked: int


class NotificationQuery(Schema):
    unread: bool = Field(default=False, description="Only the unread ones.")
    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=25, ge=1, le=100)


def notification_data(notification: Notification) -> dict:
    ticket = notification.ticket
    return {
        "id": notification.pk,
        "verb": notification.verb,
        "message": notification.message,
        "params": notification.params,
        "ticket": None
        if ticket is None
        else {"id": ticket.pk, "number": ticket.number, "title": ticket.title},
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@router.get(
    "/notifications",
    response={200: NotificationPageOut, **errors(401, 422)},
    url_name="notification_list",
    summary="The caller's notifications, newest first",
)
def notification_list(request, query: Query[NotificationQuery]):
    check_cursor(query.cursor, ORDER)
    found = selectors.notifications_for(request.user, unread_only=query.unread)
    page = paginate(found, order=ORDER, cursor=query.cursor, limit=query.limit)
    return {
        "items": [notification_data(n) for n in page.items],
        "count": page.count,
        "count_exact": page.count_exact,
        "unread": selectors.unread_count(request.user),
        "next": next_url(request, page.next_cursor),
    }


@router.post(
    "/notifications/read-all",
    response={200: MarkedOut, **errors(401)},
    url_name="notification_read_all",
    summary="Mark all the caller's notifications read",
)
def notification_read_all(request):
    return {"marked": actions.mark_all_read(actor=request.user)}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **errors(401, 404, 422)},
    url_name="notification_read",
    summary="Mark one notification read",
)
def notification_read(request, notification_id: Id):
    if parse_id(notification_id) is None:
        raise NotFound()
    notification = actions.mark_read(actor=request.user, notification_id=notification_id)
    return notification_data(notification)
