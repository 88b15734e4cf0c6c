"""The agent desk: queues with bulk actions, the ticket page and new tickets.

Thin views: forms parse input, selectors read (scoped to the agent), actions write. A refused
write re-renders the page with the error on the right field and the DomainError's status code
(422 invalid, 409 stale version, 413 file too large); nothing is lost silently.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from atiende.accounts.selectors import team_ids_of
from atiende.core import events
from atiende.core.errors import Conflict, DomainError, NotFound
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only
from atiende.core.ids import parse_id

from .. import actions, live, panels, selectors, workflow
from ..events import TicketViewed
from ..forms.composer import ComposerForm
from ..forms.desk import (
    UNASSIGNED,
    VIEWS,
    BulkForm,
    DeskChoices,
    NewTicketForm,
    QueueFilterForm,
    TicketFieldsForm,
    TransitionForm,
)
from ..forms.priority import PriorityForm
from ..mentions import unreachable_warnings
from ..models import LINKABLE_TYPES, SAVED_VIEWS_MAX, Priority, SavedView, Status, Ticket
from ..selectors import TicketFilters

PAGE_SIZE = 25
DEFAULT_VIEW = "mine"
# Statuses that need more than a click: their forms ask for the details.
DETAILED_TARGETS = (Status.RESOLVED, Status.PENDING)


# --- queue --------------------------------------------------------------------------------------


def _filters_for(user, data: dict) -> tuple[str, TicketFilters]:
    """The predefined view's base filters, narrowed by the filters the agent chose."""
    view = data.get("view") or ("recent" if data.get("q") else DEFAULT_VIEW)
    filters = TicketFilters(q=data.get("q") or "", sort=data.get("sort") or "-updated")
    if view == "mine":
        filters.assignee, filters.open_only = user.pk, True
    elif view == "unassigned":
        filters.teams, filters.unassigned, filters.open_only = team_ids_of(user), True, True
    elif view == "open":
        filters.open_only = True
    if data.get("kind"):
        filters.kind = data["kind"]
    # Changes have their own list and calendar; a text search still finds them (by number).
    filters.without_changes = not filters.q.strip()
    if data.get("status"):
        filters.status = [data["status"]]
    for name in ("priority", "team", "category", "organization"):
        if data.get(name) is not None:
            setattr(filters, name, data[name])
    for extra in panels.queue_filters():
        if data.get(extra.name) is not None:
            filters.extra.append(extra.condition(data[extra.name]))
    assignee = data.get("assignee")
    if assignee == UNASSIGNED:
        filters.assignee, filters.unassigned = None, True
    elif assignee:
        filters.assignee, filters.unassigned = int(assignee), False
    return view, filters


def _queue_data(request) -> tuple[QueryDict, SavedView | None]:
    """The queue's GET data: with `saved`, the agent's saved view's filters under whatever the
    URL itself says (its cursor, a sort chosen on the page)."""
    view_id = request.GET.get("saved")
    if not view_id:
        return request.GET, None
    saved = selectors.saved_view_get(request.user, view_id)  # another's view: 404
    data = QueryDict(saved.query, mutable=True)
    for key in request.GET:
        if key != "saved":
            data.setlist(key, request.GET.getlist(key))
    return data, saved


def _filters_of_query(user, choices: DeskChoices, query: str) -> TicketFilters:
    """A saved view's filters as the queue reads them: a value that no longer fits (a team
    since deleted) is ignored, never an error."""
    form = QueueFilterForm(QueryDict(query), choices=choices)
    return _filters_for(user, form.valid_data())[1]


COUNTED_VIEWS = ("mine", "unassigned", "open")


def _sidebar(
    user, choices: DeskChoices
) -> tuple[dict[str, int], list[tuple[SavedView, int | None]]]:
    """The predefined and saved views with their counts: two queries however many views
    (the saved views, then one conditional aggregate; SAVED_VIEWS_MAX caps the sum's terms).
    Only views of open tickets are counted: the aggregate then reads the open tickets alone
    (the status index), not every ticket ever (0.7 s at a million on SQLite); a saved view
    that may hold finished tickets shows no count."""
    saved = selectors.saved_views_of(user)
    conditions = {
        key: selectors.filters_condition(_filters_for(user, {"view": key})[1])
        for key in COUNTED_VIEWS
    }
    for view in saved:
        filters = _filters_of_query(user, choices, view.query)
        if selectors.only_open(filters):
            conditions[f"saved-{view.pk}"] = selectors.filters_condition(filters)
    counts = selectors.open_ticket_counts(user, conditions)
    return (
        {key: counts[key] for key in COUNTED_VIEWS},
        [(view, counts.get(f"saved-{view.pk}")) for view in saved],
    )


def queue_sidebar(user, choices: DeskChoices | None = None) -> dict:
    """The sidebar's context (the queue and the pages shown in its place, e.g. SLA's)."""
    choices = choices or DeskChoices(user)
    view_counts, saved_views = _sidebar(user, choices)
    return {
        "nav_views": [(key, label, view_counts.get(key)) for key, label in VIEWS.items()],
        "saved_views": saved_views,
        "can_save_view": len(saved_views) < SAVED_VIEWS_MAX,
    }


def _saved_query(data: QueryDict, form: QueueFilterForm) -> str:
    """What of the queue's current filters a saved view keeps: the valid, non-empty ones."""
    valid = form.valid_data()
    keep = [k for k in actions.saved_view_keys() if valid.get(k) not in (None, "") and k in data]
    return urlencode([(k, data[k]) for k in sorted(keep)])


def _render_queue(
    request,
    *,
    bulk_form: BulkForm | None = None,
    status: int = 200,
    view_error: DomainError | None = None,
):
    user = request.user
    other_view = panels.queue_view(request.GET.get("view") or "")
    if other_view is not None and bulk_form is None:
        return other_view(request)  # e.g. SLA's "breaching soon"
    choices = DeskChoices(user)
    data, saved = _queue_data(request)
    filter_form = QueueFilterForm(data, choices=choices)
    view, filters = _filters_for(user, filter_form.valid_data())
    # A saved view's stale filter is ignored; only what the URL itself says is an error.
    if any(name in request.GET for name in filter_form.errors) and status == 200:
        status = 400
    page = selectors.ticket_page(
        user, filters, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
    )
    # Other domains' columns (SLA's), loaded for the whole page: one query per column.
    columns, rows = panels.columns(user, page.items)
    active_filters = [
        name
        for name in (
            "kind",
            "status",
            "priority",
            "team",
            "assignee",
            "category",
            "organization",
            *(extra.name for extra in panels.queue_filters()),
        )
        if data.get(name)
    ]
    context = {
        "nav": "queue",
        "live_interval_ms": live.POLL_SECONDS * 1000,
        "views": VIEWS,
        "view": view,
        "view_label": saved.name if saved else VIEWS.get(view, ""),
        **queue_sidebar(user, choices),
        "saved": saved,
        "saved_query": _saved_query(data, filter_form),
        "view_error": view_error.first_message() if view_error else "",
        "filter_form": filter_form,
        "active_filters": active_filters,
        "bulk_form": bulk_form or BulkForm(choices=choices),
        "bulk_parts": panels.bulk_parts(user),  # other domains' (automation's macros)
        "page": page,
        "columns": columns,
        "rows": [(t, cells, sorted(_bulk_targets(t))) for t, cells in rows],
        "sort": filters.sort,
        "selected_ids": set(bulk_form.cleaned_data.get("ticket_ids", []))
        if bulk_form is not None and hasattr(bulk_form, "cleaned_data")
        else set(),
    }
    return render(request, "tickets/desk/queue.html", context, status=status)


def _bulk_targets(ticket: Ticket) -> set[str]:
    """The statuses a bulk change may move the row to: the ticket page's, by its kind and
    status (none for a change, which moves on its own page). The bulk panel offers only the
    statuses every selected row allows (atiende.js); the action still checks each ticket."""
    return _agent_targets(ticket)


def queue_url(request) -> str:
    """Back to the queue the agent was looking at (only a local URL is trusted)."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("desk:queue")


def report_bulk(request, result: actions.BulkResult) -> None:
    if result.done:
        messages.success(
            request,
            ngettext("%(n)d ticket updated.", "%(n)d tickets updated.", len(result.done))
            % {"n": len(result.done)},
        )
    if result.failed:
        numbers = dict(
            selectors.tickets_visible_to(request.user)
            .filter(pk__in=list(result.failed))
            .values_list("pk", "number")
        )
        details = "; ".join(
            f"{numbers.get(pk, '#' + str(pk))}: {reason}" for pk, reason in result.failed.items()
        )
        messages.error(
            request,
            ngettext(
                "%(n)d ticket was not changed — %(details)s",
                "%(n)d tickets were not changed — %(details)s",
                len(result.failed),
            )
            % {"n": len(result.failed), "details": details},
        )


@agents_only(others_to="portal:home")
def queue(request):
    if request.method != "POST":
        return _render_queue(request)
    # Bulk actions post back to the queue URL (with its filters in the query string).
    form = BulkForm(request.POST, choices=DeskChoices(request.user))
    if not form.is_valid():
        return _render_queue(request, bulk_form=form, status=422)
    ids = form.cleaned_data["ticket_ids"]
    if form.cleaned_data["action"] == "assign":
        result = actions.bulk_update(actor=request.user, ticket_ids=ids, changes=form.changes())
    else:
        result = actions.bulk_transition(
            actor=request.user,
            ticket_ids=ids,
            to=form.cleaned_data["status"],
            **form.transition_details(),
        )
    report_bulk(request, result)
    return redirect(queue_url(request))


# --- ticket page --------------------------------------------------------------------------------


def _ticket_or_404(user, number: str) -> Ticket:
    return selectors.ticket_get(user, number)  # NotFound: the middleware's 404


def _agent_targets(ticket: Ticket) -> set[str]:
    targets = set(workflow.allowed_targets(ticket.status, is_agent=True))
    if workflow.has_own_lifecycle(ticket.kind):
        return set()  # a change moves on its change page (the status card links there)
    if ticket.assignee_id is None:
        targets.discard(Status.ASSIGNED)  # "assigned" needs an assignee: use the panel first
    return targets


def _render_ticket(
    request,
    ticket: Ticket,
    *,
    status: int = 200,
    fields_form: TicketFieldsForm | None = None,
    priority_form: PriorityForm | None = None,
    transition_form: TransitionForm | None = None,
    transition_error: str = "",
    reply_form: ComposerForm | None = None,
    conflict: list[tuple[str, str]] | None = None,
    changes: live.ChangesSince | None = None,
    composer_changes: live.ChangesSince | None = None,
    link_error: str = "",
    merge_error: str = "",
):
    user = request.user
    choices = DeskChoices(user)
    targets = _agent_targets(ticket)
    failed_target = transition_form.data.get("to") if transition_form is not None else None

    def transition_for(target: str) -> TransitionForm:
        if transition_form is not None and failed_target == target:
            return transition_form
        return TransitionForm(
            choices=choices,
            auto_id=f"{target}_%s",
            initial={"to": target, "version": ticket.version},
        )

    # The panels' probe also says whether the ticket has attachments: none, no attachment query.
    (side_panels, main_panels), present = panels.ticket_page_panels(
        user,
        ticket,
        (panels.Placement.SIDE, panels.Placement.MAIN),
        probe=(selectors.ATTACHMENTS_REFERENCE,),
    )
    events = selectors.timeline_list(
        user, ticket, attachments_exist=selectors.ATTACHMENTS_REFERENCE in present
    )
    seen = live.last_event_id(events)
    composer_targets = _composer_targets(ticket, targets)
    codes = _resolution_codes(choices, targets)
    if (
        composer_changes is not None and reply_form is not None
    ):  # the same draft, now based on what the agent has just been shown
        reply_form = ComposerForm.refreshed(
            reply_form,
            version=ticket.version,
            seen=seen,
            targets=composer_targets,
            resolution_codes=codes,
        )
    context = {
        "nav": "queue",
        "ticket": ticket,
        "events": events,
        "seen": seen,
        "live_interval_ms": live.POLL_SECONDS * 1000,
        "live_token": live.poll_token(user, ticket.pk, ticket.number),
        "resolution_text": selectors.resolution_label(ticket.resolution_code),
        "fields_form": fields_form or TicketFieldsForm(choices=choices, ticket=ticket),
        "priority_form": priority_form
        or PriorityForm(
            initial={"version": ticket.version, "seen": seen, "priority": ticket.priority}
        ),
        "simple_targets": [
            (s.value, s.label) for s in Status if s in targets and s not in DETAILED_TARGETS
        ],
        "resolve_form": transition_for(Status.RESOLVED) if Status.RESOLVED in targets else None,
        "pending_form": transition_for(Status.PENDING) if Status.PENDING in targets else None,
        "failed_target": failed_target,
        "transition_error": transition_error,
        "reply_form": reply_form
        or ComposerForm(
            initial={"visibility": "public", "version": ticket.version, "seen": seen},
            targets=composer_targets,
            resolution_codes=codes,
        ),
        "conflict": conflict,
        "changes": changes,
        "composer_changes": composer_changes,
        "can_assign_to_me": ticket.is_open and ticket.assignee_id != user.pk,
        # Every card comes from the panel registry (tickets' own, SLA's, the CMDB's...).
        "side_panels": side_panels,
        "main_panels": main_panels,
        "link_types": LINKABLE_TYPES,
        "link_error": link_error,
        "link_form_data": request.POST if link_error else {},
        "merge_error": merge_error,
        "split_allowed": not workflow.has_own_lifecycle(ticket.kind),
        "merge_into": request.POST.get("into", "") if merge_error else "",
    }
    return render(request, "tickets/desk/ticket.html", context, status=status)


def _composer_targets(ticket: Ticket, targets: set[str]) -> list[tuple[str, str]]:
    """The statuses the composer offers after a message ("Send and resolve" included)."""
    return [(s.value, str(s.label)) for s in Status if s in targets]


def _resolution_codes(choices: DeskChoices, targets) -> list[tuple[str, str]]:
    """Loaded only when resolving is possible (then the status card needs them too: one
    query for both, DeskChoices caches it)."""
    return choices.resolution_codes if Status.RESOLVED in targets else []


def _back_to_ticket(ticket: Ticket, anchor: str = "") -> HttpResponse:
    url = reverse("desk:ticket", args=[ticket.number])
    return redirect(f"{url}#{anchor}" if anchor else url, permanent=False)


def _conflict_response(request, number: str, exc: Conflict, unsaved=None):
    ticket = _ticket_or_404(request.user, number)
    # What others changed after the form's page was read (its `seen` event), net per field.
    changes = live.changes_since(request.user, ticket, parse_id(request.POST.get("seen", "")))
    return _render_ticket(
        request, ticket, status=exc.status_code, conflict=unsaved or [], changes=changes
    )


@agents_only
def ticket_detail(request, number: str):
    ticket = selectors.ticket_for_page(request.user, number)  # NotFound: the middleware's 404
    # Opening the ticket is acting on it: what its reader was told of it is read.
    events.publish(TicketViewed(ticket_id=ticket.pk, user_id=request.user.pk))
    return _render_ticket(request, ticket)


@require_POST
@agents_only
def ticket_update(request, number: str):
    ticket = _ticket_or_404(request.user, number)
    form = TicketFieldsForm(request.POST, choices=DeskChoices(request.user), ticket=ticket)
    if not form.is_valid():
        if form.has_error("version"):
            # A missing or garbled version cannot be checked: treat it as stale.
            return _conflict_response(request, number, Conflict(current_version=ticket.version), [])
        return _render_ticket(request, ticket, status=422, fields_form=form)
    changes = form.changes()
    if form.cleaned_data["version"] != ticket.version:
        # Refuse before comparing: the form was read from an older state of the ticket.
        exc = Conflict(current_version=ticket.version)
        return _conflict_response(request, number, exc, form.describe_changes())
    if not changes:
        messages.info(request, _("Nothing to save: no field was changed."))
        return _back_to_ticket(ticket)
    try:
        actions.ticket_update(
            actor=request.user,
            ticket_id=ticket.pk,
            version=form.cleaned_data["version"],
            changes=changes,
        )
    except Conflict as exc:
        return _conflict_response(request, number, exc, form.describe_changes())
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_ticket(request, ticket, status=exc.status_code, fields_form=form)
    messages.success(request, _("Ticket updated."))
    return _back_to_ticket(ticket)


@require_POST
@agents_only
def ticket_priority(request, number: str):
    """Override the priority with a reason, or (empty priority) go back to the matrix."""
    ticket = _ticket_or_404(request.user, number)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        if form.has_error("version"):
            return _conflict_response(request, number, Conflict(current_version=ticket.version))
        return _render_ticket(request, ticket, status=422, priority_form=form)
    data = form.cleaned_data
    wanted = (
        str(Priority(data["priority"]).label)
        if data["priority"] is not None
        else _("Back to impact × urgency")
    )
    try:
        actions.ticket_priority_set(
            actor=request.user,
            ticket_id=ticket.pk,
            version=data["version"],
            priority=data["priority"],
            reason=data["reason"],
        )
    except Conflict as exc:
        return _conflict_response(request, number, exc, [(_("Priority"), wanted)])
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_ticket(request, ticket, status=exc.status_code, priority_form=form)
    messages.success(request, _("Priority: %(priority)s.") % {"priority": wanted})
    return _back_to_ticket(ticket, "details")


@require_POST
@agents_only
def ticket_assign_me(request, number: str):
    ticket = _ticket_or_404(request.user, number)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    try:
        actions.ticket_update(
            actor=request.user,
            ticket_id=ticket.pk,
            version=version,
            changes={"assignee": request.user.pk},
        )
    except Conflict as exc:
        return _conflict_response(request, number, exc, [(_("Assignee"), _("you"))])
    except NotFound:
        raise  # the middleware's 404, not a message on the page
    except DomainError as exc:
        return _render_ticket(
            request, ticket, status=exc.status_code, transition_error=exc.first_message()
        )
    messages.success(request, _("The ticket is now assigned to you."))
    return _back_to_ticket(ticket)


@require_POST
@agents_only
def ticket_link_add(request, number: str):
    ticket = _ticket_or_404(request.user, number)
    try:
        actions.ticket_link_add(
            actor=request.user,
            ticket_id=ticket.pk,
            other=request.POST.get("other", "").strip()[:40],
            link_type=request.POST.get("link_type", ""),
        )
    except NotFound:
        raise  # the middleware's 404, not a message on the page
    except DomainError as exc:
        return _render_ticket(
            request, ticket, status=exc.status_code, link_error=exc.first_message()
        )
    messages.success(request, _("Tickets linked."))
    return _back_to_ticket(ticket, "links")


@require_POST
@agents_only
def ticket_merge(request, number: str):
    ticket = _ticket_or_404(request.user, number)
    try:
        target = actions.ticket_merge(
            actor=request.user,
            ticket_id=ticket.pk,
            into=request.POST.get("into", "").strip()[:40],
            version=request.POST.get("version") or None,
        )
    except Conflict as exc:
        return _conflict_response(request, number, exc)
    except NotFound:
        raise
    except DomainError as exc:
        return _render_ticket(
            request, ticket, status=exc.status_code, merge_error=exc.first_message()
        )
    messages.success(
        request,
        _("%(source)s was merged into this ticket.") % {"source": ticket.number},
    )
    return _back_to_ticket(target)


@require_POST
@agents_only
def ticket_split(request, number: str, event_id: int):
    ticket = _ticket_or_404(request.user, number)
    try:
        new = actions.ticket_split(actor=request.user, ticket_id=ticket.pk, event_id=event_id)
    except NotFound:
        raise
    except DomainError as exc:
        return _render_ticket(
            request, ticket, status=exc.status_code, transition_error=exc.first_message()
        )
    messages.success(
        request, _("Ticket %(number)s opened from the reply.") % {"number": new.number}
    )
    return _back_to_ticket(new)


@require_POST
@agents_only
def ticket_link_remove(request, number: str, link_id: int):
    ticket = _ticket_or_404(request.user, number)
    actions.ticket_link_remove(actor=request.user, ticket_id=ticket.pk, link_id=link_id)
    messages.success(request, _("Link removed."))
    return _back_to_ticket(ticket, "links")


@require_POST
@agents_only
def ticket_transition(request, number: str):
    ticket = _ticket_or_404(request.user, number)
    target = request.POST.get("to", "")
    form = TransitionForm(request.POST, choices=DeskChoices(request.user), auto_id=f"{target}_%s")
    if not form.is_valid():
        if form.has_error("version"):
            return _conflict_response(request, number, Conflict(current_version=ticket.version))
        return _render_ticket(
            request, ticket, status=422, transition_form=form, transition_error=_form_error(form)
        )
    data = dict(form.cleaned_data)  # add_error() below removes fields from cleaned_data
    try:
        actions.ticket_transition(
            actor=request.user,
            ticket_id=ticket.pk,
            to=data["to"],
            version=data["version"],
            resolution_code=data["resolution_code"],
            resolution_notes=data["resolution_notes"],
            pending_reason=data["pending_reason"],
            comment=data["comment"],
            duplicate_of=data["duplicate_of"] or None,
        )
    except Conflict as exc:
        label = Status(data["to"]).label
        return _conflict_response(request, number, exc, [(_("Status"), str(label))])
    except DomainError as exc:
        apply_domain_error(form, exc)
        error = exc.first_message() if data["to"] not in DETAILED_TARGETS else ""
        return _render_ticket(
            request,
            ticket,
            status=exc.status_code,
            transition_form=form,
            transition_error=error or _form_error(form, only_general=True),
        )
    messages.success(
        request, _("Status changed to “%(status)s”.") % {"status": Status(data["to"]).label}
    )
    return _back_to_ticket(ticket)


def _form_error(form, *, only_general: bool = False) -> str:
    if only_general:
        return " ".join(form.non_field_errors())
    errors = [str(m) for msgs in form.errors.values() for m in msgs]
    return " ".join(errors)


@require_POST
@agents_only
def ticket_reply(request, number: str):
    """The composer: a reply or note, then optionally a status, in one transaction. A draft
    written while others changed the ticket is held back (409) with what changed."""
    ticket = _ticket_or_404(request.user, number)
    allowed = _agent_targets(ticket)
    targets = _composer_targets(ticket, allowed)
    form = ComposerForm(
        request.POST,
        request.FILES,
        targets=targets,
        resolution_codes=_resolution_codes(DeskChoices(request.user), allowed),
    )
    if not form.is_valid():
        return _render_ticket(request, ticket, status=422, reply_form=form)
    data = form.cleaned_data
    changes = live.changes_since(request.user, ticket, data["seen"])
    if changes or (data["version"] is not None and data["version"] != ticket.version):
        return _composer_conflict(request, ticket, form, changes)
    try:
        with transaction.atomic():  # the message and the status stand or fall together
            event = actions.comment_add(
                actor=request.user,
                ticket_id=ticket.pk,
                body=data["body"],
                public=form.is_public,
                attachments=data["attachments"],
            )
            if data["then"]:
                actions.ticket_transition(
                    actor=request.user,
                    ticket_id=ticket.pk,
                    to=data["then"],
                    version=data["version"],
                    pending_reason=data["pending_reason"],
                    resolution_code=data["resolution_code"],
                    resolution_notes=form.resolution_note(),
                )
    except Conflict:
        fresh = _ticket_or_404(request.user, number)
        return _composer_conflict(
            request, fresh, form, live.changes_since(request.user, fresh, data["seen"])
        )
    except DomainError as exc:
        apply_domain_error(form, exc, rename={"file": "attachments", "to": "then"})
        return _render_ticket(request, ticket, status=exc.status_code, reply_form=form)
    sent = _("Reply sent.") if form.is_public else _("Internal note added.")
    if data["then"]:
        sent = f"{sent} " + _("Status changed to “%(status)s”.") % {
            "status": Status(data["then"]).label
        }
    messages.success(request, sent)
    if not form.is_public:  # @mentions that told nobody say so (tickets.mentions)
        for warning in unreachable_warnings(ticket, data["body"]):
            messages.warning(request, warning)
    return _back_to_ticket(ticket, f"event-{event.pk}")


def _composer_conflict(request, ticket: Ticket, form: ComposerForm, changes) -> HttpResponse:
    # Also when only the version moved (no event the agent may read): still their call.
    return _render_ticket(
        request,
        ticket,
        status=409,
        reply_form=form,
        composer_changes=changes,
    )


# --- new ticket ---------------------------------------------------------------------------------


@agents_only(others_to="portal:home")
def new_ticket(request):
    choices = DeskChoices(request.user)
    if request.method != "POST":
        form = NewTicketForm(choices=choices)
        return render(request, "tickets/desk/new.html", {"nav": "new", "form": form})
    form = NewTicketForm(request.POST, request.FILES, choices=choices)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = actions.ticket_create(
                actor=request.user,
                requester_id=data["requester"],
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                category_id=data["category"],
                impact=data["impact"],
                urgency=data["urgency"],
                team_id=data["team"],
                assignee_id=data["assignee"],
                attachments=data["attachments"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc, rename={"file": "attachments"})
            status = exc.status_code
        else:
            messages.success(request, _("Ticket %(number)s created.") % {"number": ticket.number})
            return _back_to_ticket(ticket)
    return render(request, "tickets/desk/new.html", {"nav": "new", "form": form}, status=status)
