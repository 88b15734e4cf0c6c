"""The notifications page: the signed-in user's own notifications, newest first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from atiende.core.errors import DomainError
from atiende.core.pagination import paginate
from atiende.tickets.models import Kind

from . import actions, selectors

PAGE_SIZE = 30


def _ticket_url(user, ticket, verb: str = "") -> str | None:
    if ticket is None:
        return None
    if verb == "request_approval" or (
        verb in ("approval_delegated", "approval_reminder") and ticket.kind == Kind.REQUEST
    ):
        # An approver may not see the request itself: the approvals page shows what to decide.
        return reverse("changes:approvals" if user.is_agent else "catalogue:approvals")
    if user.is_agent and ticket.kind == Kind.CHANGE:
        # Approvers from other teams may read a change only on its own page.
        return reverse("changes:change", args=[ticket.number])
    area = "desk:ticket" if user.is_agent else "portal:ticket"
    return reverse(area, args=[ticket.number])


def _url(user, notification) -> str | None:
    """Where a notification leads: its ticket's page, or for one about something else (an
    article to review) the site path stored with it by the domain that wrote it."""
    if notification.ticket_id is not None:
        return _ticket_url(user, notification.ticket, notification.verb)
    path = str((notification.params or {}).get("path") or "")
    return path if path.startswith("/") and not path.startswith("//") else None


@login_required
def notification_list(request):
    page = paginate(
        selectors.notifications_for(request.user),
        order=["-created_at", "-id"],
        cursor=request.GET.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    rows = [(n, _url(request.user, n)) for n in page.items]
    return render(
        request,
        "notifications/list.html",
        {"nav": "notifications", "page": page, "rows": rows},
    )


@require_POST
@login_required
def notification_read(request, notification_id: int):
    notification = actions.mark_read(actor=request.user, notification_id=notification_id)
    if request.POST.get("open"):
        url = _url(request.user, notification)
        if url:
            return redirect(url)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_read_all(request):
    marked = actions.mark_all_read(actor=request.user)
    messages.success(
        request,
        ngettext(
            "%(n)d notification marked as read.", "%(n)d notifications marked as read.", marked
        )
        % {"n": marked}
        if marked
        else _("Nothing to mark: everything was read."),
    )
    return redirect("notifications:list")


@require_POST
@login_required
def preferences_save(request):
    """The /account/ card's form: the checked (event, channel) boxes are wanted, the rest not."""
    pairs = [tuple(v.split(":", 1)) for v in request.POST.getlist("enabled") if ":" in v]
    try:
        actions.preferences_set(actor=request.user, enabled=pairs)
    except DomainError as error:
        messages.error(request, error.first_message())
    else:
        messages.success(request, _("Your notification choices were saved."))
    return redirect(reverse("accounts:profile") + "#notification-preferences")
