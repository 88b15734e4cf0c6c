"""The CMDB pages (agents read; managers and administrators edit). Thin: forms parse,
selectors read, actions write. Requesters get 404 on every CMDB URL. A refused write
re-renders the form with field errors and the DomainError's status code."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core.errors import DomainError, ValidationFailed
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only
from atiende.tickets.selectors import ticket_get

from . import actions, csv_io, diagram, selectors
from .forms import ImportForm, ItemFilterForm, ItemForm, RelationForm
from .models import CiClass, ConfigurationItem, ItemAction, ItemEvent, RelationType
from .panels import load_affected
from .templatetags.cmdb_tags import event_text

PAGE_SIZE = 50
HISTORY_SHOWN = 20
SUGGESTIONS = 15


def _filters(data) -> tuple[ItemFilterForm, selectors.ItemFilters]:
    form = ItemFilterForm(data)
    filters = selectors.ItemFilters()
    if form.is_valid():
        cd = form.cleaned_data
        if cd["ci_class"] == "services":
            filters.services_only = True
        elif cd["ci_class"]:
            filters.ci_class = [cd["ci_class"]]
        filters.status = [cd["status"]] if cd["status"] else []
        filters.environment = [cd["environment"]] if cd["environment"] else []
        filters.team = cd["team"]
        filters.q = cd["q"] or ""
    return form, filters


@agents_only
def item_list(request) -> HttpResponse:
    form, filters = _filters(request.GET)
    page = selectors.item_page(
        request.user, filters, cursor=request.GET.get("cursor"), limit=PAGE_SIZE
    )
    active = [
        name for name in ("ci_class", "status", "environment", "team") if request.GET.get(name)
    ]
    return render(
        request,
        "cmdb/list.html",
        {
            "nav": "cmdb",
            "filter_form": form,
            "page": page,
            "active_filters": active,
            "can_edit": selectors.can_edit(request.user),
            "export_query": request.GET.urlencode(),
        },
    )


@agents_only
def item_export(request) -> StreamingHttpResponse:
    _form, filters = _filters(request.GET)
    items = selectors.items_filtered(request.user, filters)
    response = StreamingHttpResponse(
        csv_io.export_items(items), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="configuration-items.csv"'
    return response


@agents_only
def relation_export(request) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_io.export_relations(selectors.relations_visible_to(request.user)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="relations.csv"'
    return response


def _relation_text(relation_type: str, name: str, *, incoming: bool) -> str:
    """A relation added to or removed from this item, said from this item's side: "This item
    runs on vm-01", or for a relation another item holds to it, "ERP depends on this item"."""
    if incoming:
        texts = {
            RelationType.DEPENDS_ON: _("%(name)s depends on this item"),
            RelationType.RUNS_ON: _("%(name)s runs on this item"),
            RelationType.PART_OF: _("%(name)s is part of this item"),
            RelationType.CONNECTED_TO: _("%(name)s is connected to this item"),
        }
    else:
        texts = {
            RelationType.DEPENDS_ON: _("This item depends on %(name)s"),
            RelationType.RUNS_ON: _("This item runs on %(name)s"),
            RelationType.PART_OF: _("This item is part of %(name)s"),
            RelationType.CONNECTED_TO: _("This item is connected to %(name)s"),
        }
    text = {str(k): v for k, v in texts.items()}.get(relation_type)
    return text % {"name": name} if text else f"{name} ({relation_type})"


def _history(item: ConfigurationItem) -> list[ItemEvent]:
    """The item's latest audit events, each with its `summary` in the reader's language."""
    events = list(
        ItemEvent.objects.filter(item=item)
        .select_related("actor")
        .order_by("-created_at", "-id")[:HISTORY_SHOWN]
    )
    relation_actions = (ItemAction.RELATION_ADDED, ItemAction.RELATION_REMOVED)
    for event in events:
        changes = event.changes or {}
        if event.action in relation_actions and ("source" in changes or "target" in changes):
            incoming = "source" in changes
            event.summary = _relation_text(  # type: ignore[attr-defined]
                str(changes.get("type", "")),
                str(changes["source"] if incoming else changes["target"]),
                incoming=incoming,
            )
        else:
            event.summary = event_text(event)  # type: ignore[attr-defined]
    return events


def _item_context(request, item: ConfigurationItem, **extra) -> dict:
    outgoing, incoming = selectors.relations_of(request.user, item)
    services = selectors.impacted_services([item.pk])[:50]
    return {
        "nav": "cmdb",
        "item": item,
        "outgoing": outgoing,
        "incoming": incoming,
        "tickets": selectors.tickets_of_item(request.user, item),
        "services": services,
        "history": _history(item),
        "can_edit": selectors.can_edit(request.user),
        "relation_form": extra.pop("relation_form", None) or RelationForm(),
        **extra,
    }


@agents_only
def item_detail(request, item_id: int) -> HttpResponse:
    item = selectors.item_get(request.user, item_id)
    return render(request, "cmdb/item.html", _item_context(request, item))


@agents_only
def item_impact(request, item_id: int) -> HttpResponse:
    item = selectors.item_get(request.user, item_id)
    impact = selectors.impacted_items(request.user, [item.pk], limit=500)
    drawing = diagram.layout(item, [(row.item, row.depth) for row in impact.rows], impact.edges)
    drawing.hidden += impact.total - len(impact.rows)
    return render(
        request,
        "cmdb/impact.html",
        {"nav": "cmdb", "item": item, "impact": impact, "diagram": drawing},
    )


def _save_item(request, item: ConfigurationItem | None) -> HttpResponse:
    if not selectors.can_edit(request.user):
        raise Http404
    if request.method == "POST":
        form = ItemForm(request.POST)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                if item is None:
                    item = actions.item_create(
                        actor=request.user,
                        name=cd["name"],
                        ci_class=cd["ci_class"],
                        status=cd["status"],
                        environment=cd["environment"],
                        owner_team_id=cd["owner_team"],
                        description=cd["description"],
                        attributes=cd["attributes"],
                    )
                    messages.success(request, _("Item created."))
                else:
                    changes = {k: cd[k] for k in actions.EDITABLE_FIELDS}
                    changes["attributes"] = actions.clean_attributes(cd["attributes"])
                    item = actions.item_update(
                        actor=request.user, item_id=item.pk, changes=changes, version=cd["version"]
                    )
                    messages.success(request, _("Changes saved."))
                return redirect("cmdb:item", item.pk)
            except DomainError as exc:
                apply_domain_error(form, exc)
                status = exc.status_code
        else:
            status = 422
    else:
        form = ItemForm(initial=ItemForm.initial_for(item) if item else {})
        status = 200
    return render(
        request, "cmdb/item_form.html", {"nav": "cmdb", "form": form, "item": item}, status=status
    )


@agents_only
def item_create(request) -> HttpResponse:
    return _save_item(request, None)


@agents_only
def item_edit(request, item_id: int) -> HttpResponse:
    return _save_item(request, selectors.item_get(request.user, item_id))


@require_POST
@agents_only
def item_delete(request, item_id: int) -> HttpResponse:
    item = selectors.item_get(request.user, item_id)
    try:
        actions.item_delete(actor=request.user, item_id=item.pk)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("cmdb:item", item.pk)
    messages.success(request, _("“%(name)s” was deleted.") % {"name": item.name})
    return redirect("cmdb:list")


def _find_item(name: str, field: str) -> ConfigurationItem:
    """An item by name (case-insensitive); a field error when none or several match."""
    name = name.strip()
    matches = list(ConfigurationItem.objects.filter(name__iexact=name)[:2]) if name else []
    if not matches:
        raise ValidationFailed.field(field, _("No service or CI has this name."))
    if len(matches) > 1:
        raise ValidationFailed.field(
            field, _("Several items have this name; rename one or use the API with ids.")
        )
    return matches[0]


@require_POST
@agents_only
def relation_add(request, item_id: int) -> HttpResponse:
    item = selectors.item_get(request.user, item_id)
    form = RelationForm(request.POST)
    status = 422
    if form.is_valid():
        cd = form.cleaned_data
        try:
            other = _find_item(cd["other"], "other")
            source, target = (item, other) if cd["direction"] == "out" else (other, item)
            actions.relation_add(
                actor=request.user, source_id=source.pk, type=cd["type"], target_id=target.pk
            )
            messages.success(request, _("Relation added."))
            return redirect(reverse("cmdb:item", args=[item.pk]) + "#relations")
        except DomainError as exc:
            apply_domain_error(form, exc, rename={"target": "other", "source": "other"})
            status = exc.status_code
    context = _item_context(request, item, relation_form=form)
    return render(request, "cmdb/item.html", context, status=status)


@require_POST
@agents_only
def relation_remove(request, item_id: int, relation_id: int) -> HttpResponse:
    item = selectors.item_get(request.user, item_id)
    relation = selectors.relation_get(request.user, relation_id)
    if item.pk not in (relation.source_id, relation.target_id):
        raise Http404
    try:
        actions.relation_remove(actor=request.user, relation_id=relation.pk)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Relation removed."))
    return redirect(reverse("cmdb:item", args=[item.pk]) + "#relations")


@agents_only
def import_csv(request) -> HttpResponse:
    if not selectors.can_edit(request.user):
        raise Http404
    result, status, line_errors = None, 200, {}
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            cd = form.cleaned_data
            upload = cd["file"]
            run = csv_io.import_items if cd["kind"] == "items" else csv_io.import_relations
            try:
                if (upload.size or 0) > csv_io.MAX_BYTES:
                    raise ValidationFailed.field(
                        "file", _("The file is too large (10 MB at most).")
                    )
                result = run(actor=request.user, data=upload.read(), dry_run=cd["dry_run"])
            except csv_io.ImportRejected as exc:
                form.add_error(None, exc.detail)
                line_errors = exc.errors
                status = exc.status_code
            except DomainError as exc:
                apply_domain_error(form, exc)
                status = exc.status_code
            else:
                if not result.dry_run:
                    messages.success(
                        request,
                        _(
                            "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged."
                        )
                        % result.__dict__,
                    )
        else:
            status = 422
    else:
        form = ImportForm()
    return render(
        request,
        "cmdb/import.html",
        {
            "nav": "cmdb",
            "form": form,
            "result": result,
            "line_errors": line_errors,
            "item_columns": csv_io.ITEM_COLUMNS,
            "relation_columns": csv_io.RELATION_COLUMNS,
            "classes": CiClass.values,
            "types": RelationType.values,
        },
        status=status,
    )


@agents_only
def suggest(request) -> HttpResponse:
    """Name suggestions for the pickers (an htmx-filled <datalist>)."""
    q = (request.GET.get("q") or request.GET.get("other") or request.GET.get("name") or "").strip()
    items = (
        selectors.items_visible_to(request.user)
        .filter(name__icontains=q[:200])
        .order_by("name", "id")[:SUGGESTIONS]
        if q
        else []
    )
    return render(request, "cmdb/_suggestions.html", {"items": items})


# --- the items a ticket affects (the desk ticket page's card posts here) --------------------


def _ticket(request, number: str):
    return ticket_get(request.user, number[:20])  # NotFound: the middleware's 404


@agents_only
def ticket_items(request, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    error, status = "", 200
    if request.method == "POST":
        try:
            if request.POST.get("remove"):
                actions.ticket_item_remove(
                    actor=request.user, ticket_id=ticket.pk, item_id=request.POST["remove"]
                )
                messages.success(request, _("Item unlinked."))
            else:
                item = _find_item(request.POST.get("name", "")[:200], "item")
                actions.ticket_item_add(actor=request.user, ticket_id=ticket.pk, item_id=item.pk)
                messages.success(request, _("Item linked."))
            return redirect(reverse("desk:ticket", args=[ticket.number]) + "#affected")
        except DomainError as exc:
            error = next((m for msgs in exc.errors.values() for m in msgs), exc.detail)
            status = exc.status_code
    return render(
        request,
        "cmdb/ticket_items.html",
        {
            "nav": "queue",
            "ticket": ticket,
            "affected": load_affected(request.user, [ticket])[ticket.pk],
            "affected_error": error,
            "affected_name": request.POST.get("name", ""),
        },
        status=status,
    )
