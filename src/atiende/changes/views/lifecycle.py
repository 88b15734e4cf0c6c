"""The change pages: list, new change, the change page (plans, risk, approvals, items,
links, timeline, transitions) and the risk questionnaire. "My approvals" is approvals.py.

Thin views: forms parse, selectors read (scoped to the agent), actions write. A refused write
re-renders the page with the errors and the DomainError's status (422, 409, 403); requesters
get 404 everywhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only
from atiende.tickets import actions as ticket_actions
from atiende.tickets.models import Status, Ticket
from atiende.tickets.selectors import links_of, timeline_for

from .. import actions, selectors, workflow
from ..forms import (
    ChangeEditForm,
    ChangeFilterForm,
    ChangeForm,
    DecisionForm,
    ItemForm,
    LinkForm,
    ReviewForm,
    RiskForm,
    TransitionForm,
)
from ..models import ApprovalStatus, Board, RiskQuestion

PAGE_SIZE = 25
METRICS_DAYS = 90
METRICS_CACHE_SECONDS = 300
# Transitions that ask for more than a click (a comment, an override reason).
DETAILED_TARGETS = (workflow.FAILED, workflow.SCHEDULED, workflow.CANCELLED)
GUARD_HINTS = {
    "plans": lambda: _("Write the implementation and backout plans first."),
    "risk": lambda: _("Assess the risk first."),
    "window": lambda: _("Give the planned start and end first."),
    "approvals": lambda: _("The change does not have the approvals it needs yet."),
    "review": lambda: _("Record the post-implementation review first."),
}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _change_or_404(request: HttpRequest, number: str) -> Ticket:
    return selectors.change_get(_user(request), number)  # NotFound: the middleware's 404


def _to_change(ticket: Ticket, anchor: str = "") -> HttpResponse:
    url = reverse("changes:change", args=[ticket.number])
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- list ---------------------------------------------------------------------------------------


@agents_only
def change_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ChangeFilterForm(request.GET or None, initial={"status": "open"})
    filters = selectors.ChangeFilters(open_only=True)
    cursor = None
    status_code = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            status = data["status"]
            filters = selectors.ChangeFilters(
                change_type=data["type"] or None,
                status=[status] if status and status != "open" else [],
                open_only=status == "open",
                risk=data["risk"] or None,
                mine=data["mine"],
                q=data["q"] or "",
            )
            cursor = data["cursor"] or None
        else:
            status_code = 422
    try:
        page = selectors.change_page(user, filters, cursor=cursor, limit=PAGE_SIZE)
    except DomainError:
        page = selectors.change_page(user, filters, cursor=None, limit=PAGE_SIZE)
    metrics = _recent_metrics(user)
    pending = selectors.approvals_for(user).count()
    context = {
        "nav": "changes",
        "form": form,
        "page": page,
        "rows": [(t, selectors.details_of(t)) for t in page.items],
        "metrics": metrics,
        "metrics_days": METRICS_DAYS,
        "pending_approvals": pending,
    }
    return render(request, "changes/list.html", context, status=status_code)


def _recent_metrics(user: User) -> selectors.ChangeMetrics:
    """The list header's figures over the last METRICS_DAYS, cached a few minutes per user:
    two aggregates over the whole period are the costliest part of the page."""

    def compute() -> selectors.ChangeMetrics:
        now = clock.now()
        return selectors.change_metrics(user, (now - timedelta(days=METRICS_DAYS), now))

    key = f"changes:metrics:{user.pk}:{METRICS_DAYS}"
    return cast(selectors.ChangeMetrics, cache.get_or_set(key, compute, METRICS_CACHE_SECONDS))


# --- new ----------------------------------------------------------------------------------------


@agents_only
def change_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    initial: dict[str, Any] = {}
    if request.GET.get("template"):
        initial = {"change_type": "standard", "template": request.GET["template"]}
    form = ChangeForm(
        request.POST if request.method == "POST" else None, user=user, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = actions.change_create(
                    actor=user,
                    title=data["title"],
                    change_type=data["change_type"],
                    template_id=data["template"] or None,
                    description=data["description"],
                    reason=data["reason"],
                    implementation_plan=data["implementation_plan"],
                    backout_plan=data["backout_plan"],
                    test_plan=data["test_plan"],
                    planned_start=data["planned_start"],
                    planned_end=data["planned_end"],
                    implementer_id=data["implementer"] or None,
                    impact=data["impact"],
                    urgency=data["urgency"],
                    team_id=data["team"] or None,
                    assignee_id=data["assignee"] or None,
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
                status = exc.status_code
            else:
                messages.success(
                    request, _("Change %(number)s raised.") % {"number": ticket.number}
                )
                return _to_change(ticket)
        else:
            status = 422
    templates = list(selectors.templates_active())
    return render(
        request,
        "changes/new.html",
        {"nav": "changes", "form": form, "templates": templates},
        status=status,
    )


# --- the change page ----------------------------------------------------------------------------


def _edit_initial(ticket: Ticket, details) -> dict[str, Any]:
    return {
        "version": ticket.version,
        "title": ticket.title,
        "description": ticket.description,
        "change_type": details.change_type,
        "reason": details.reason,
        "implementation_plan": details.implementation_plan,
        "backout_plan": details.backout_plan,
        "test_plan": details.test_plan,
        "planned_start": details.planned_start,
        "planned_end": details.planned_end,
        "implementer": str(details.implementer_id or ""),
        "team": str(ticket.team_id or ""),
        "assignee": str(ticket.assignee_id or ""),
    }


def _items(user: User, ticket: Ticket) -> tuple[list, list]:
    """The change's affected services and CIs, and the services impacted through them."""
    try:
        from atiende.cmdb import selectors as cmdb
    except ImportError:  # pragma: no cover - cmdb is part of the project
        return [], []
    items = cmdb.items_of_ticket(user, ticket)
    services = list(cmdb.impacted_services([ti.item_id for ti in items])[:50]) if items else []
    return items, services


def _render_change(
    request: HttpRequest,
    ticket: Ticket,
    *,
    status: int = 200,
    edit_form: ChangeEditForm | None = None,
    transition_form: TransitionForm | None = None,
    decision_form: DecisionForm | None = None,
    review_form: ReviewForm | None = None,
    item_form: ItemForm | None = None,
    link_form: LinkForm | None = None,
    conflict: bool = False,
) -> HttpResponse:
    user = _user(request)
    view = selectors.change_view(user, ticket)
    details = view.details
    editable_content = selectors.lifecycle_status(ticket.status) in (
        workflow.NEW,
        workflow.ASSESSMENT,
    )
    is_open = selectors.lifecycle_status(ticket.status) in workflow.OPEN
    if edit_form is None and is_open:
        edit_form = ChangeEditForm(
            user=user, editable_content=editable_content, initial=_edit_initial(ticket, details)
        )
    failed_target = transition_form.data.get("to") if transition_form is not None else None
    transitions = []
    for target in view.transitions:
        transitions.append(
            {
                "to": target,
                "label": Status(target).label,
                "missing": [str(GUARD_HINTS[m]()) for m in view.missing.get(target, [])],
                "detailed": target in DETAILED_TARGETS,
                # Cancelling and going back to assessment are not the way forward.
                "secondary": target == workflow.CANCELLED
                or (
                    target == workflow.ASSESSMENT
                    and selectors.lifecycle_status(ticket.status) != workflow.NEW
                ),
                "form": transition_form
                if failed_target == target
                else TransitionForm(initial={"to": target, "version": ticket.version}),
            }
        )
    mine = [
        a for a in view.approvals if a.approver_id == user.pk and a.status == ApprovalStatus.PENDING
    ]
    items, services = _items(user, ticket)
    context = {
        "nav": "changes",
        "ticket": ticket,
        "details": details,
        "view": view,
        "status": selectors.lifecycle_status(ticket.status),
        "events": localised_timeline(timeline_for(user, ticket)),
        "links": links_of(user, ticket),
        "edit_form": edit_form,
        "editable_content": editable_content,
        "transitions": transitions,
        "my_approvals": mine,
        "decision_form": decision_form or DecisionForm(),
        "review_form": review_form or ReviewForm(initial={"outcome": details.review_outcome}),
        "item_form": item_form or ItemForm(),
        "link_form": link_form or LinkForm(),
        "items": items,
        "services": services,
        "conflict": conflict,
        "conflicts": _conflicts(request, ticket),
    }
    return render(request, "changes/change.html", context, status=status)


def localised_timeline(events) -> list:
    """The change's timeline with the configuration text it quotes in the reader's language.

    A risk assessment's entry lists the answers ("- question answer (+weight)") and a decision
    names the board ("Board: comment"), written in English when they happened; questions,
    answers and boards have a Spanish text beside the English one, so a Spanish reader gets
    those (an answer or board renamed since then stays as written)."""
    events = list(events)
    if (get_language() or "en")[:2] == "en":
        return events
    risk = [e for e in events if e.field == "risk" and e.body]
    decisions = [e for e in events if e.field == "approval" and e.body]
    if risk:
        answers: dict[str, tuple[str, dict[str, str]]] = {}
        for question in RiskQuestion.objects.prefetch_related("choices"):
            answers[question.text_en] = (
                question.text(),
                {c.text_en: c.text() for c in question.choices.all()},
            )
        for event in risk:
            event.body = "\n".join(_risk_line(line, answers) for line in event.body.split("\n"))
    if decisions:
        boards = {b.name: b.label() for b in Board.objects.all()}
        for event in decisions:
            name, sep, comment = event.body.partition(": ")
            if name in boards:
                event.body = f"{boards[name]}{sep}{comment}"
    return events


def _risk_line(line: str, answers: dict[str, tuple[str, dict[str, str]]]) -> str:
    """ "- How many people…? A few people (+0)" in the reader's language."""
    if not line.startswith("- ") or not line.endswith(")") or " (+" not in line:
        return line
    text, _sep, weight = line[2:].rpartition(" (+")
    for question_en, (question, choices) in answers.items():
        if text.startswith(question_en + " "):
            answer_en = text[len(question_en) + 1 :]
            return f"- {question} {choices.get(answer_en, answer_en)} (+{weight}"
    return line


def _conflicts(request: HttpRequest, ticket: Ticket) -> list:
    """The conflicts the calendar stored for this change; a conflicting change the reader
    may not see is left out (denied looks like missing)."""
    from ..calendar.selectors import conflicts_of

    return [view.conflict for view in conflicts_of(_user(request), ticket).shown[:20]]


@agents_only
def change_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_change(request, _change_or_404(request, number))


@agents_only
@require_POST
def change_edit(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    ticket = _change_or_404(request, number)
    details = selectors.details_of(ticket)
    editable_content = selectors.lifecycle_status(ticket.status) in (
        workflow.NEW,
        workflow.ASSESSMENT,
    )
    form = ChangeEditForm(request.POST, user=user, editable_content=editable_content)
    if not form.is_valid():
        return _render_change(request, ticket, status=422, edit_form=form)
    changes = form.changes(_edit_initial(ticket, details))
    try:
        actions.change_update(
            actor=user, ticket_id=ticket.pk, version=form.cleaned_data["version"], changes=changes
        )
    except Conflict:
        fresh = selectors.change_get(user, ticket.pk)
        return _render_change(request, fresh, status=409, conflict=True)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_change(request, ticket, status=exc.status_code, edit_form=form)
    messages.success(request, _("Change saved."))
    return _to_change(ticket, "details")


@agents_only
@require_POST
def change_transition(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    ticket = _change_or_404(request, number)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _render_change(request, ticket, status=422, transition_form=form)
    data = form.cleaned_data
    try:
        actions.change_transition(
            actor=user,
            ticket_id=ticket.pk,
            to=data["to"],
            version=data["version"],
            comment=data["comment"],
            override_reason=data["override_reason"],
        )
    except Conflict:
        fresh = selectors.change_get(user, ticket.pk)
        return _render_change(request, fresh, status=409, conflict=True)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_change(request, ticket, status=exc.status_code, transition_form=form)
    messages.success(
        request, _("The change is now “%(status)s”.") % {"status": Status(data["to"]).label}
    )
    return _to_change(ticket)


@agents_only
def change_risk(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    ticket = _change_or_404(request, number)
    details = selectors.details_of(ticket)
    questions = selectors.risk_questionnaire()
    initial: dict[str, Any] = {"version": ticket.version}
    initial.update(
        {f"q{a.question_id}": str(a.choice_id) for a in selectors.risk_answers_of(details)}
    )
    form = RiskForm(
        request.POST if request.method == "POST" else None, questions=questions, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.risk_assess(
                    actor=user,
                    ticket_id=ticket.pk,
                    answers=form.answers(),
                    version=form.cleaned_data["version"],
                )
            except DomainError as exc:
                rename = {f"answers.{q.pk}": f"q{q.pk}" for q in questions}
                apply_domain_error(form, exc, rename=rename)
                status = exc.status_code
            else:
                messages.success(request, _("Risk assessed."))
                return _to_change(ticket, "risk")
        else:
            status = 422
    context = {"nav": "changes", "ticket": ticket, "details": details, "form": form}
    return render(request, "changes/risk.html", context, status=status)


@agents_only
@require_POST
def change_review(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    ticket = _change_or_404(request, number)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _render_change(request, ticket, status=422, review_form=form)
    try:
        actions.review_record(
            actor=user,
            ticket_id=ticket.pk,
            outcome=form.cleaned_data["outcome"],
            notes=form.cleaned_data["notes"],
            caused_incidents=form.incident_refs(),
        )
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_change(request, ticket, status=exc.status_code, review_form=form)
    messages.success(request, _("Review recorded."))
    return _to_change(ticket, "review")


@agents_only
@require_POST
def change_item_add(request: HttpRequest, number: str) -> HttpResponse:
    from atiende.cmdb import actions as cmdb_actions
    from atiende.cmdb import selectors as cmdb

    user = _user(request)
    ticket = _change_or_404(request, number)
    form = ItemForm(request.POST)
    if not form.is_valid():
        return _render_change(request, ticket, status=422, item_form=form)
    ref = form.cleaned_data["item"].strip()
    items = cmdb.items_visible_to(user)
    item = (
        items.filter(pk=int(ref)).first()
        if ref.isdigit() and len(ref) < 12
        else items.filter(name__iexact=ref).order_by("id").first()
    )
    try:
        if item is None:
            raise ValidationFailed.field("item", _("No service or item has this name or id."))
        cmdb_actions.ticket_item_add(actor=user, ticket_id=ticket.pk, item_id=item.pk)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_change(request, ticket, status=exc.status_code, item_form=form)
    return _to_change(ticket, "items")


@agents_only
@require_POST
def change_item_remove(request: HttpRequest, number: str, item_id: int) -> HttpResponse:
    from atiende.cmdb import actions as cmdb_actions

    ticket = _change_or_404(request, number)
    try:
        cmdb_actions.ticket_item_remove(actor=_user(request), ticket_id=ticket.pk, item_id=item_id)
    except NotFound:
        raise  # the middleware's 404, not a message on the page
    except DomainError as exc:
        messages.error(request, exc.detail)
    return _to_change(ticket, "items")


@agents_only
@require_POST
def change_link_add(request: HttpRequest, number: str) -> HttpResponse:
    """Link an incident, problem or another change (tickets.actions: both timelines)."""
    ticket = _change_or_404(request, number)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _render_change(request, ticket, status=422, link_form=form)
    try:
        ticket_actions.ticket_link_add(
            actor=_user(request),
            ticket_id=ticket.pk,
            other=form.cleaned_data["other"],
            link_type=form.cleaned_data["link_type"],
        )
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _render_change(request, ticket, status=exc.status_code, link_form=form)
    return _to_change(ticket, "links")


@agents_only
@require_POST
def change_link_remove(request: HttpRequest, number: str, link_id: int) -> HttpResponse:
    ticket = _change_or_404(request, number)
    ticket_actions.ticket_link_remove(actor=_user(request), ticket_id=ticket.pk, link_id=link_id)
    return _to_change(ticket, "links")
