"""The desk's "Trends" and "Improvement" pages (agents only; requesters get 404 or are sent
to the portal). Thin: read through selectors, write through actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.audit.models import AuditEntry
from atiende.core.errors import Conflict, DomainError, ValidationFailed
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only

from . import actions, selectors
from .forms import DismissForm, ItemFilterForm, ItemForm, TrendFilterForm
from .metrics import BY_KEY
from .models import ImprovementItem

PAGE_SIZE = 25


# --- trends --------------------------------------------------------------------------------------


@agents_only(others_to="portal:home")
def trend_list(request) -> HttpResponse:
    form = TrendFilterForm(request.GET or {"status": "open"})
    status = "open"
    if form.is_valid():
        status = form.cleaned_data["status"] or "open"
    page = selectors.trend_page(
        request.user,
        status="" if status == "all" else status,
        cursor=request.GET.get("cursor"),
        limit=PAGE_SIZE,
    )
    shown = selectors.incidents_of_trends(request.user, page.items)
    rows = [(trend, shown.get(trend.pk)) for trend in page.items]
    return render(
        request,
        "improvement/trends.html",
        {"nav": "trends", "filter_form": form, "page": page, "rows": rows},
    )


def _trend_page(request, trend_id: int, *, dismiss: DismissForm | None = None, status=200):
    trend = selectors.trend_get(request.user, trend_id)
    incidents = selectors.trend_incidents(request.user, trend)
    return render(
        request,
        "improvement/trend.html",
        {
            "nav": "trends",
            "trend": trend,
            "incidents": incidents,
            "dismiss_form": dismiss or DismissForm(),
        },
        status=status,
    )


@agents_only
def trend_detail(request, trend_id: int) -> HttpResponse:
    return _trend_page(request, trend_id)


@require_POST
@agents_only
def trend_problem(request, trend_id: int) -> HttpResponse:
    opened = actions.trend_open_problem(actor=request.user, trend_id=trend_id)
    if opened.created:
        messages.success(
            request,
            _("Problem %(number)s opened and linked to %(n)d incidents.")
            % {"number": opened.problem.number, "n": opened.linked},
        )
    else:
        messages.info(
            request,
            _("This trend already has its problem, %(number)s.")
            % {"number": opened.problem.number},
        )
    return redirect("desk:ticket", opened.problem.number)


@require_POST
@agents_only
def trend_acknowledge(request, trend_id: int) -> HttpResponse:
    actions.trend_acknowledge(actor=request.user, trend_id=trend_id)
    messages.success(request, _("Trend acknowledged."))
    return redirect("improvement:trend", trend_id)


@require_POST
@agents_only
def trend_dismiss(request, trend_id: int) -> HttpResponse:
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            actions.trend_dismiss(
                actor=request.user, trend_id=trend_id, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Trend dismissed."))
            return redirect("improvement:trends")
    return _trend_page(request, trend_id, dismiss=form, status=422)


# --- the register ----------------------------------------------------------------------------------


@agents_only(others_to="portal:home")
def item_list(request) -> HttpResponse:
    form = ItemFilterForm(request.GET)
    filters = selectors.ItemFilters()
    if form.is_valid():
        filters = selectors.ItemFilters(
            status=form.cleaned_data["status"],
            metric=form.cleaned_data["metric"],
            q=form.cleaned_data["q"],
            owner=request.user.pk if form.cleaned_data["mine"] else None,
        )
    page = selectors.item_page(
        request.user, filters, cursor=request.GET.get("cursor"), limit=PAGE_SIZE
    )
    active = [name for name in ("status", "metric", "mine") if request.GET.get(name)]
    return render(
        request,
        "improvement/list.html",
        {
            "nav": "improvement",
            "filter_form": form,
            "page": page,
            "active_filters": active,
            "metrics": BY_KEY,
        },
    )


def _save(request, item: ImprovementItem | None) -> HttpResponse:
    tickets, trends = selectors.item_links(request.user, item) if item else ([], [])
    if request.method != "POST":
        if item is not None:
            initial = ItemForm.initial_for(item, tickets, trends)
        else:
            initial = {"trends": request.GET.get("trend", "")[:20]}
        form = ItemForm(initial=initial)
        return render(
            request,
            "improvement/item_form.html",
            {"nav": "improvement", "form": form, "item": item},
        )
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            if item is None:
                saved = actions.item_create(actor=request.user, **form.values())
            else:
                saved = actions.item_update(
                    actor=request.user,
                    item_id=item.pk,
                    changes=form.values(),
                    version=form.cleaned_data["version"],
                )
        except (ValidationFailed, Conflict) as exc:  # Forbidden answers 403 (the middleware)
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Improvement saved."))
            return redirect("improvement:item", saved.pk)
    return render(
        request,
        "improvement/item_form.html",
        {"nav": "improvement", "form": form, "item": item},
        status=422,
    )


@agents_only
def item_new(request) -> HttpResponse:
    return _save(request, None)


@agents_only
def item_edit(request, item_id: int) -> HttpResponse:
    return _save(request, selectors.item_get(request.user, item_id))


@agents_only
def item_detail(request, item_id: int) -> HttpResponse:
    item = selectors.item_get(request.user, item_id)
    tickets, trends = selectors.item_links(request.user, item)
    history = list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(ImprovementItem), object_id=item.pk
        ).order_by("-at", "-id")[:100]
    )
    return render(
        request,
        "improvement/item.html",
        {
            "nav": "improvement",
            "item": item,
            "metric": BY_KEY.get(item.metric),
            "tickets": tickets,
            "trends": trends,
            "history": history,
        },
    )


@require_POST
@agents_only
def item_delete(request, item_id: int) -> HttpResponse:
    item = selectors.item_get(request.user, item_id)
    try:
        actions.item_delete(actor=request.user, item_id=item.pk)
    except DomainError as exc:
        messages.error(request, exc.first_message())
        return redirect("improvement:item", item.pk)
    messages.success(request, _("Improvement deleted."))
    return redirect("improvement:list")
