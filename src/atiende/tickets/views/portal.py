"""The requester portal: my tickets, a new ticket, one ticket with replies, confirm or reopen.

Thin views: forms shape the input, tickets.actions change state, tickets.selectors decide what
the requester sees (a ticket they may not see is a 404, exactly like a missing one).
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.accounts.models import User
from atiende.core import clock, events
from atiende.core.errors import DomainError, PayloadTooLarge
from atiende.core.forms import apply_domain_error

from .. import actions, live, panels, selectors, workflow
from ..events import TicketViewed
from ..forms.portal import ConfirmForm, PortalTicketForm, ReopenForm, ReplyForm
from ..models import OPEN_STATUSES, Channel, DeskSettings, Kind, Status, Ticket
from ..selectors import TicketFilters

PAGE_SIZE = 20
ACTIVE_STATUSES = [*OPEN_STATUSES, Status.RESOLVED]
FINISHED_STATUSES = [Status.CLOSED, Status.CANCELLED]


class AuthenticatedRequest(HttpRequest):
    """What login_required guarantees: request.user is a real User (for type checking)."""

    user: User


def requester_area(view):
    """Signed-in users only; agents work in the desk and are sent there."""

    @wraps(view)
    @login_required
    def wrapper(request: AuthenticatedRequest, *args, **kwargs):
        if request.user.is_agent:
            return redirect(_desk_url(kwargs.get("number")))
        return view(request, *args, **kwargs)

    return wrapper


def _desk_url(number: str | None) -> str:
    if number:
        try:
            return reverse("desk:ticket", args=[number])
        except NoReverseMatch:
            pass
    return reverse("desk:queue")


def _visible_ticket(request: AuthenticatedRequest, number: str) -> Ticket:
    return selectors.ticket_get(request.user, number)  # NotFound: the middleware's 404


def _apply_domain_errors(form, exc: DomainError, *, file_field: str = "attachments") -> None:
    """Show an action's refusal on the form, next to the field it is about."""
    if isinstance(exc, PayloadTooLarge):  # its detail names the file and the limit
        form.add_error(file_field, exc.detail)
        return
    apply_domain_error(form, exc, rename={"file": file_field})


# --- list -------------------------------------------------------------------------------------


@requester_area
def home(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    state = "closed" if request.GET.get("state") == "closed" else "open"
    manages_org = bool(user.is_organization_manager and user.organization_id)
    scope = "org" if manages_org and request.GET.get("scope") == "org" else "mine"
    q = (request.GET.get("q") or "").strip()[:200]
    filters = TicketFilters(
        status=list(FINISHED_STATUSES if state == "closed" else ACTIVE_STATUSES),
        requester=user.pk if scope == "mine" else None,
        q=q,
    )
    page = selectors.ticket_page(user, filters, cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    return render(
        request,
        "tickets/portal/home.html",
        {
            "nav": "mine",
            "page": page,
            "state": state,
            "scope": scope,
            "manages_org": manages_org,
            "q": q,
            "kinds": [Kind.INCIDENT, Kind.REQUEST, Kind.QUESTION],
        },
    )


# --- new ticket ---------------------------------------------------------------------------------


@requester_area
def new_ticket(request: AuthenticatedRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = PortalTicketForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                ticket = actions.ticket_create(
                    actor=request.user, channel=Channel.PORTAL, **form.action_arguments()
                )
            except DomainError as exc:
                _apply_domain_errors(form, exc)
                status = exc.status_code
            else:
                panels.ticket_sent(request.user, ticket, request.POST)
                messages.success(
                    request,
                    _("Thank you! We received your ticket %(number)s and will get back to you.")
                    % {"number": ticket.number},
                )
                return redirect("portal:ticket", number=ticket.number)
        else:
            status = 422
    else:
        initial = {}
        if request.GET.get("kind") in (Kind.INCIDENT, Kind.REQUEST, Kind.QUESTION):
            initial["kind"] = request.GET["kind"]
        initial.update(_follow_up_initial(request.user, request.GET.get("follow_up") or ""))
        form = PortalTicketForm(initial=initial)
    return render(
        request,
        "tickets/portal/new.html",
        {"nav": "new", "form": form, "form_parts": panels.form_parts()},
        status=status,
    )


def _follow_up_initial(user: User, number: str) -> dict:
    """A new ticket that follows up a finished one the user can see: its kind, category and
    title, and a first line that names it. Anything else in `follow_up` is ignored."""
    try:
        old = selectors.ticket_get(user, number[:40]) if number else None
    except DomainError:
        old = None
    if old is None:
        return {}
    initial = {
        "title": old.title,
        "description": _("This follows up on ticket %(number)s (“%(title)s”).")
        % {"number": old.number, "title": old.title}
        + "\n\n",
    }
    if old.kind in (Kind.INCIDENT, Kind.REQUEST, Kind.QUESTION):
        initial["kind"] = old.kind
    if old.category_id:
        initial["category"] = str(old.category_id)
    return initial


# --- one ticket ---------------------------------------------------------------------------------


def _reopen_state(ticket: Ticket) -> dict:
    """Whether the requester may still reopen, and until when."""
    if ticket.status not in (Status.RESOLVED, Status.CLOSED) or ticket.resolved_at is None:
        return {"can_reopen": False, "reopen_until": None}
    days = DeskSettings.current().reopen_days
    return {
        "can_reopen": workflow.within_reopen_period(ticket.resolved_at, clock.now(), days),
        "reopen_until": ticket.resolved_at + timedelta(days=days),
    }


def _render_ticket(
    request: AuthenticatedRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    reopen_form: ReopenForm | None = None,
    finished_error: str = "",
    desk_replied: list | None = None,
    status: int = 200,
) -> HttpResponse:
    others_ticket = ticket.requester_id != request.user.pk
    # The panels' probe also says whether the ticket has attachments: none, no attachment query.
    (main_panels, side_panels), present = panels.ticket_page_panels(
        request.user,
        ticket,
        (panels.Placement.MAIN, panels.Placement.SIDE),
        probe=(selectors.ATTACHMENTS_REFERENCE,),
    )
    timeline = selectors.timeline_list(
        request.user, ticket, attachments_exist=selectors.ATTACHMENTS_REFERENCE in present
    )
    reopen = _reopen_state(ticket)
    if others_ticket:
        reopen["can_reopen"] = False
    context = {
        "nav": "mine",
        "ticket": ticket,
        "events": timeline,
        "seen": live.last_event_id(timeline),
        "desk_replied": desk_replied,
        "resolution_text": selectors.resolution_label(ticket.resolution_code)
        if ticket.status in (Status.RESOLVED, Status.CLOSED)
        else "",
        "reply_form": reply_form or ReplyForm(),
        "reopen_form": reopen_form or ReopenForm(initial={"version": ticket.version}),
        # The one rule of every channel: no requester message on a finished ticket.
        "can_reply": workflow.accepts_requester_message(ticket.status),
        "finished_error": finished_error,
        # The team and the assignee's full name are internal (selectors.public_name).
        "handled_by": selectors.handled_by(ticket),
        "follow_up_url": _follow_up_url(ticket),
        "others_ticket": others_ticket,
        # Only the person who asked confirms or reopens (tickets.actions enforces it too).
        "can_confirm": ticket.status == Status.RESOLVED and not others_ticket,
        # Cards for requesters only from the registry (e.g. SLA's expectations).
        "main_panels": main_panels,
        "side_panels": side_panels,
        **reopen,
    }
    return render(request, "tickets/portal/ticket.html", context, status=status)


def _follow_up_url(ticket: Ticket) -> str:
    """The new-ticket form, prefilled with a reference to `ticket`."""
    return reverse("portal:new") + "?" + urlencode({"follow_up": ticket.number})


@requester_area
def ticket_detail(request: AuthenticatedRequest, number: str) -> HttpResponse:
    ticket = _visible_ticket(request, number)
    # Opening the ticket is acting on it: what its reader was told of it is read.
    events.publish(TicketViewed(ticket_id=ticket.pk, user_id=request.user.pk))
    return _render_ticket(request, ticket)


def _desk_replied_since(request: AuthenticatedRequest, ticket: Ticket, seen: int | None) -> list:
    """Messages by others (the desk) the requester may read, after the page's last entry."""
    if seen is None:
        return []
    changes = live.changes_since(request.user, ticket, seen)
    return [e for e in changes.messages if e.actor_id != request.user.pk]


@requester_area
@require_POST
def reply(request: AuthenticatedRequest, number: str) -> HttpResponse:
    ticket = _visible_ticket(request, number)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_ticket(request, ticket, reply_form=form, status=422)
    replied = _desk_replied_since(request, ticket, form.cleaned_data["seen"])
    if replied:
        # Written on a page older than the desk's answer: shown first, sending again is the
        # requester's call (the re-rendered form carries the new `seen`).
        return _render_ticket(request, ticket, reply_form=form, desk_replied=replied, status=409)
    try:
        result = actions.requester_reply_add(
            actor=request.user,
            ticket_id=ticket.pk,
            body=form.cleaned_data["body"],
            attachments=form.cleaned_data["attachments"],
        )
    except actions.TicketFinished as exc:
        # The form is not shown on a finished ticket: the refusal is the page's notice, next
        # to the link that opens a new ticket.
        ticket.refresh_from_db()
        return _render_ticket(request, ticket, finished_error=exc.detail, status=exc.status_code)
    except DomainError as exc:
        _apply_domain_errors(form, exc)
        return _render_ticket(request, ticket, reply_form=form, status=exc.status_code)
    if result.follow_up_of is not None:
        messages.success(
            request,
            _(
                "Ticket %(old)s is closed, so your message opened a new ticket, %(new)s, which "
                "follows it up."
            )
            % {"old": ticket.number, "new": result.ticket.number},
        )
        return redirect(reverse("portal:ticket", args=[result.ticket.number]))
    messages.success(request, _("Your reply was sent."))
    return redirect(reverse("portal:ticket", args=[ticket.number]) + f"#event-{result.event.pk}")


@requester_area
@require_POST
def confirm(request: AuthenticatedRequest, number: str) -> HttpResponse:
    """'Yes, it's fixed': the requester closes a resolved ticket."""
    ticket = _visible_ticket(request, number)
    form = ConfirmForm(request.POST)
    version = form.cleaned_data.get("version") if form.is_valid() else None
    try:
        actions.ticket_transition(
            actor=request.user, ticket_id=ticket.pk, to=Status.CLOSED, version=version
        )
    except DomainError as exc:
        messages.error(request, exc.first_message())
        return redirect("portal:ticket", number=ticket.number)
    messages.success(request, _("Thank you for confirming. The ticket is now closed."))
    return redirect("portal:ticket", number=ticket.number)


@requester_area
@require_POST
def reopen(request: AuthenticatedRequest, number: str) -> HttpResponse:
    """'No, it's still broken': back to work, within the reopen period only."""
    ticket = _visible_ticket(request, number)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _render_ticket(request, ticket, reopen_form=form, status=422)
    try:
        actions.ticket_transition(
            actor=request.user,
            ticket_id=ticket.pk,
            to=Status.IN_PROGRESS,
            version=form.cleaned_data.get("version"),
            comment=form.cleaned_data.get("comment") or "",
        )
    except DomainError as exc:
        _apply_domain_errors(form, exc)
        ticket.refresh_from_db()
        return _render_ticket(request, ticket, reopen_form=form, status=exc.status_code)
    messages.success(request, _("We reopened your ticket and will look at it again."))
    return redirect("portal:ticket", number=ticket.number)
