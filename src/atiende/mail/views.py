"""Pages for managers and admins: the failed-mail list (inspect, download raw, retry, discard)
and the health of the mailboxes. Thin: selectors read, actions write; anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from atiende.accounts.models import User
from atiende.core.errors import DomainError
from atiende.tickets import actions as ticket_actions
from atiende.tickets.models import Status

from . import actions, selectors
from .api import raw_response
from .inbound.intake import Outcome
from .inbound.preview import message_preview
from .models import InboundMessage
from .outbound import links


class AuthenticatedRequest(HttpRequest):
    user: User


def _message(request: AuthenticatedRequest, message_id: int, **kwargs) -> InboundMessage:
    return selectors.failed_get(request.user, message_id, **kwargs)  # NotFound: a 404


@login_required
def failed_list(request: AuthenticatedRequest) -> HttpResponse:
    page = selectors.failed_page(request.user, cursor=request.GET.get("cursor"), limit=25)
    return render(request, "mail/failed_list.html", {"nav": "mail", "page": page})


@login_required
def failed_detail(request: AuthenticatedRequest, message_id: int) -> HttpResponse:
    row = _message(request, message_id, with_raw=True)
    context = {"nav": "mail", "row": row, "preview": message_preview(bytes(row.raw))}
    return render(request, "mail/failed_detail.html", context)


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
        result, _row = actions.inbound_retry(actor=request.user, message_id=row.pk)
    except DomainError as exc:
        messages.error(request, exc.first_message())
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
        messages.error(request, exc.first_message())
        return redirect("mail:failed_detail", message_id=row.pk)
    messages.success(request, _("The message was discarded."))
    return redirect("mail:failed")


@login_required
def health(request: AuthenticatedRequest) -> HttpResponse:
    mailboxes = selectors.mailbox_health(request.user)
    outbox = selectors.outbox_health(request.user)
    context = {
        "nav": "mail",
        "mailboxes": mailboxes,
        "outbox": outbox,
        "tz_database": selectors.tz_database(),
    }
    return render(request, "mail/health.html", context)


# --- one-click links of the resolution e-mail (no sign-in; see outbound/links.py) ----------


def _link_refused(
    request: HttpRequest, reason: str, status: int, action: str | None = None, language: str = ""
) -> HttpResponse:
    context = {"reason": reason, "action": action}
    with translation.override(language or translation.get_language()):
        return render(request, "mail/resolution_link.html", context, status=status)


@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def resolution_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the ticket and one button; only the button's POST confirms or reopens, as
    the requester, through the tickets' actions. Mail scanners prefetching the link change
    nothing. Altered links answer 400; expired or spent ones 410 (in the requester's
    language: the link is genuine)."""
    try:
        link = links.read_token(token)
    except links.LinkInvalid:
        return _link_refused(request, "invalid", 400)
    except links.LinkExpired as exc:
        return _link_refused(request, "expired", 410, exc.action, exc.language)
    except links.LinkSpent as exc:
        return _link_refused(request, "spent", 410, exc.action, exc.language)
    language = link.requester.language or translation.get_language()
    with translation.override(language):
        return _resolution_link(request, token, link)


def _resolution_link(request: HttpRequest, token: str, link: links.ResolutionLink) -> HttpResponse:
    context: dict = {"link": link, "ticket": link.ticket, "action": link.action, "token": token}
    if request.method != "POST":
        return render(request, "mail/resolution_link.html", context)
    comment = (request.POST.get("comment") or "")[:10000] if link.action == links.REOPEN else ""
    to = Status.CLOSED if link.action == links.CONFIRM else Status.IN_PROGRESS
    try:
        ticket_actions.ticket_transition(
            actor=link.requester, ticket_id=link.ticket.pk, to=to, comment=comment
        )
    except DomainError as exc:
        context["error"] = exc.first_message()
        return render(request, "mail/resolution_link.html", context, status=exc.status_code)
    context["done"] = True
    return render(request, "mail/resolution_link.html", context)
