"""Pages for managers and admins: the failed-mail list (inspect, download raw, retry, discard)
and the health of the mailboxes. Thin: selectors read, actions write; anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from atiende.accounts.models import User
from atiende.core.errors import DomainError, NotFound

from . import actions, selectors
from .api import raw_response
from .intake import Outcome
from .models import InboundMessage


class AuthenticatedRequest(HttpRequest):
    user: User


def _first_error(exc: DomainError) -> str:
    for problems in exc.errors.values():
        if problems:
            return problems[0]
    return exc.detail


def _message(request: AuthenticatedRequest, message_id: int, **kwargs) -> InboundMessage:
    try:
        return selectors.inbound_get(request.user, message_id, **kwargs)
    except NotFound:
        raise Http404 from None


@login_required
def failed_list(request: AuthenticatedRequest) -> HttpResponse:
    try:
        page = selectors.failed_page(request.user, cursor=request.GET.get("cursor"), limit=25)
    except NotFound:
        raise Http404 from None
    return render(request, "mail/failed_list.html", {"nav": "mail", "page": page})


@login_required
def failed_detail(request: AuthenticatedRequest, message_id: int) -> HttpResponse:
    row = _message(request, message_id)
    return render(request, "mail/failed_detail.html", {"nav": "mail", "row": row})


@login_required
def failed_raw(request: AuthenticatedRequest, message_id: int) -> HttpResponse:
    return raw_response(_message(request, message_id, with_raw=True))


OUTCOME_TEXT = {
    Outcome.CREATED: gettext_lazy("The message opened a ticket."),
    Outcome.COMMENTED: gettext_lazy("The message was added to its ticket."),
    Outcome.REOPENED: gettext_lazy("The message reopened its ticket."),
    Outcome.FOLLOW_UP: gettext_lazy("The message opened a follow-up ticket."),
    Outcome.IGNORED: gettext_lazy("The message is automatic and was ignored."),
    Outcome.REJECTED: gettext_lazy("The sender was refused by the mailbox's policy."),
}


@login_required
@require_POST
def failed_retry(request: AuthenticatedRequest, message_id: int) -> HttpResponse:
    row = _message(request, message_id)
    try:
        result = actions.inbound_retry(actor=request.user, message_id=row.pk)
    except DomainError as exc:
        messages.error(request, _first_error(exc))
        return redirect("mail:failed_detail", message_id=row.pk)
    if result.outcome == Outcome.FAILED:
        messages.error(request, _("It failed again: %(error)s") % {"error": result.error})
        return redirect("mail:failed_detail", message_id=row.pk)
    messages.success(request, str(OUTCOME_TEXT.get(result.outcome, result.outcome)))
    return redirect("mail:failed")


@login_required
@require_POST
def failed_discard(request: AuthenticatedRequest, message_id: int) -> HttpResponse:
    row = _message(request, message_id)
    try:
        actions.inbound_discard(actor=request.user, message_id=row.pk)
    except DomainError as exc:
        messages.error(request, _first_error(exc))
        return redirect("mail:failed_detail", message_id=row.pk)
    messages.success(request, _("The message was discarded."))
    return redirect("mail:failed")


@login_required
def health(request: AuthenticatedRequest) -> HttpResponse:
    try:
        mailboxes = selectors.mailbox_health(request.user)
    except NotFound:
        raise Http404 from None
    return render(request, "mail/health.html", {"nav": "mail", "mailboxes": mailboxes})
