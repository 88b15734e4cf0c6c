"""The agent's saved views (the queue's sidebar): save the current filters, rename, move,
delete. Each answers with a redirect to the queue; a refused name re-renders the queue with
the error (422)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core.errors import ValidationFailed
from atiende.core.http import agents_only

from .. import actions
from .desk import _render_queue


def _to_view(view_id: int):
    return redirect(f"{reverse('desk:queue')}?saved={view_id}")


@require_POST
@agents_only
def view_save(request):
    try:
        view = actions.saved_view_create(
            actor=request.user,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
        )
    except ValidationFailed as exc:
        return _render_queue(request, status=exc.status_code, view_error=exc)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return _to_view(view.pk)


@require_POST
@agents_only
def view_rename(request, view_id: int):
    try:
        view = actions.saved_view_rename(
            actor=request.user, view_id=view_id, name=request.POST.get("name", "")
        )
    except ValidationFailed as exc:
        return _render_queue(request, status=exc.status_code, view_error=exc)
    return _to_view(view.pk)


@require_POST
@agents_only
def view_move(request, view_id: int):
    actions.saved_view_move(
        actor=request.user, view_id=view_id, up=request.POST.get("direction") != "down"
    )
    return redirect(reverse("desk:queue") + "?saved=" + str(view_id))


@require_POST
@agents_only
def view_delete(request, view_id: int):
    actions.saved_view_delete(actor=request.user, view_id=view_id)
    messages.success(request, _("View deleted."))
    return redirect("desk:queue")
