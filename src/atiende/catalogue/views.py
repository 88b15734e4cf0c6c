"""The catalogue's pages: the portal's catalogue and request forms, and the managers' item
and form editor (with a preview of the form as the requester sees it).

Thin views: catalogue.forms shapes input, catalogue.actions validates and writes (through
forms_engine, the same validation as the API), catalogue.selectors decides who sees what."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core.errors import DomainError, NotFound, ValidationFailed
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only
from atiende.tickets.models import Channel

from . import actions, selectors
from .export import export_requests
from .forms import (
    ApprovalStepForm,
    CategoryForm,
    FieldForm,
    ItemForm,
    RequestForm,
    TaskTemplateForm,
)
from .models import CONTROLLING_TYPES, FormField

# --- portal -----------------------------------------------------------------------------------


@login_required
def home(request):
    items = selectors.items_requestable_by(request.user)
    return render(
        request,
        "catalogue/portal/home.html",
        {"nav": "catalogue", "groups": selectors.grouped(items)},
    )


@login_required
def item_request(request, item_id: int):
    item = selectors.item_for_request(request.user, item_id)  # NotFound: the 404 page
    specs = list(item.fields.all())
    status = 200
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES, specs=specs)
        form.is_valid()  # binds the fields for rendering; the engine judges the answers
        answers, files = form.answers()
        try:
            ticket = actions.request_submit(
                actor=request.user,
                item_id=item.pk,
                answers=answers,
                files=files,
                channel=Channel.PORTAL,
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            form.apply_errors(exc.errors)
            if not exc.errors:
                form.add_error(None, exc.detail)
            status = exc.status_code
        else:
            messages.success(
                request,
                _("Thank you! We received your request %(number)s.") % {"number": ticket.number},
            )
            return redirect("portal:ticket", number=ticket.number)
    else:
        form = RequestForm(specs=specs)
    return render(
        request,
        "catalogue/portal/item.html",
        {"nav": "catalogue", "item": item, "form": form, "preview": False},
        status=status,
    )


# --- managers ---------------------------------------------------------------------------------


def _require_manager(request) -> None:
    if not request.user.is_manager:
        raise NotFound()


@agents_only(others_to="catalogue:home")
def manage_list(request):
    _require_manager(request)
    status = 200
    editing = next(
        (c for c in selectors.categories() if str(c.pk) == request.GET.get("category")), None
    )
    initial = (
        {
            "category_id": editing.pk,
            "name": editing.name,
            "name_es": editing.name_es,
            "position": editing.position,
            "is_active": editing.is_active,
        }
        if editing
        else {}
    )
    form = CategoryForm(prefix="cat", initial=initial)
    if request.method == "POST":
        form = CategoryForm(request.POST, prefix="cat")
        if form.is_valid():
            try:
                actions.category_save(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Category saved."))
                return redirect("catalogue:manage")
        status = 422
    return render(
        request,
        "catalogue/manage/list.html",
        {
            "nav": "catalogue",
            "items": list(selectors.all_items()),
            "categories": selectors.categories(),
            "category_form": form,
            "editing_category": editing,
        },
        status=status,
    )


def _item_initial(item) -> dict:
    return {
        "category_id": item.category_id,
        "name": item.name,
        "name_es": item.name_es,
        "description": item.description,
        "description_es": item.description_es,
        "service_id": item.service_id,
        "ticket_category_id": item.ticket_category_id,
        "organization_ids": [o.pk for o in item.organizations.all()],
        "roles": item.roles,
        "delivery_days": item.delivery_days,
        "position": item.position,
        "is_active": item.is_active,
    }


@agents_only(others_to="catalogue:home")
def item_edit(request, item_id: int | None = None):
    _require_manager(request)
    item = selectors.item_for_manager(request.user, item_id) if item_id else None
    status = 200
    if request.method == "POST":
        form = ItemForm(request.POST)
        if form.is_valid():
            try:
                saved = actions.item_save(actor=request.user, item_id=item_id, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Catalogue item saved."))
                return redirect("catalogue:item_edit", item_id=saved.pk)
        status = 422
    else:
        form = ItemForm(initial=_item_initial(item) if item else {})
    return _render_item(request, item, form, status=status)


def _render_item(request, item, form=None, *, step_form=None, task_form=None, status=200):
    """The item's page: its details, form, approval steps and fulfilment tasks."""
    if form is None:
        form = ItemForm(initial=_item_initial(item))
    specs = list(item.fields.all()) if item else []
    return render(
        request,
        "catalogue/manage/item.html",
        {
            "nav": "catalogue",
            "item": item,
            "form": form,
            "specs": specs,
            "field_form": _field_form(specs, None) if item else None,
            "preview_form": RequestForm(specs=specs) if item else None,
            "steps": selectors.approval_steps_of(item) if item else [],
            "templates": selectors.task_templates_of(item) if item else [],
            "step_form": (step_form or ApprovalStepForm()) if item else None,
            "task_form": (task_form or TaskTemplateForm()) if item else None,
        },
        status=status,
    )


@require_POST
@agents_only
def step_add(request, item_id: int):
    _require_manager(request)
    item = selectors.item_for_manager(request.user, item_id)
    form = ApprovalStepForm(request.POST)
    if form.is_valid():
        try:
            actions.approval_step_save(actor=request.user, item_id=item.pk, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Approval step added."))
            return redirect(reverse("catalogue:item_edit", args=[item.pk]) + "#approvals-title")
    return _render_item(request, item, step_form=form, status=422)


@require_POST
@agents_only
def step_delete(request, item_id: int, step_id: int):
    _require_manager(request)
    try:
        actions.approval_step_delete(actor=request.user, item_id=item_id, step_id=step_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.first_message())
    else:
        messages.success(request, _("Approval step removed."))
    return redirect(reverse("catalogue:item_edit", args=[item_id]) + "#approvals-title")


@require_POST
@agents_only
def task_template_add(request, item_id: int):
    _require_manager(request)
    item = selectors.item_for_manager(request.user, item_id)
    form = TaskTemplateForm(request.POST)
    if form.is_valid():
        try:
            actions.task_template_save(actor=request.user, item_id=item.pk, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Task added."))
            return redirect(reverse("catalogue:item_edit", args=[item.pk]) + "#tasks-title")
    return _render_item(request, item, task_form=form, status=422)


@require_POST
@agents_only
def task_template_delete(request, item_id: int, template_id: int):
    _require_manager(request)
    actions.task_template_delete(actor=request.user, item_id=item_id, template_id=template_id)
    messages.success(request, _("Task removed."))
    return redirect(reverse("catalogue:item_edit", args=[item_id]) + "#tasks-title")


# --- working a request: withdraw (requester), tasks (desk), approvals (portal) ----------------


def _ticket_page(request, ticket_id: int) -> str:
    from atiende.tickets.models import Ticket

    number = Ticket.objects.filter(pk=ticket_id).values_list("number", flat=True).first()
    if number is None:
        raise NotFound()
    if getattr(request.user, "is_agent", False):
        return reverse("desk:ticket", args=[number])
    return reverse("portal:ticket", args=[number])


@require_POST
@login_required
def request_withdraw(request, ticket_id: int):
    try:
        actions.request_withdraw(
            actor=request.user, ticket_id=ticket_id, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.first_message())
    else:
        messages.success(request, _("Your request was withdrawn."))
    return redirect(_ticket_page(request, ticket_id))


def _task_ticket(task_id: int) -> int:
    from .models import FulfilmentTask

    found = FulfilmentTask.objects.filter(pk=task_id).values_list("ticket_id", flat=True).first()
    if found is None:
        raise NotFound()
    return found


@require_POST
@agents_only
def task_complete(request, task_id: int):
    ticket_id = _task_ticket(task_id)
    try:
        task = actions.task_complete(
            actor=request.user, task_id=task_id, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.first_message())
    else:
        messages.success(request, _("Task “%(title)s” done.") % {"title": task.label()})
    return redirect(_ticket_page(request, ticket_id) + "#request-tasks")


def _local_datetime(value: str):
    """A datetime-local field's value in the person's time zone (None when empty); a
    ValidationFailed when it is not one."""
    from datetime import datetime

    from django.utils import timezone

    from atiende.core.errors import ValidationFailed

    value = (value or "").strip()
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.field("due_at", _("Enter a date and time.")) from None
    if naive.tzinfo is not None:
        return naive
    return timezone.make_aware(naive, timezone.get_current_timezone())


@require_POST
@agents_only
def task_add(request, ticket_id: int):
    try:
        task = actions.task_add(
            actor=request.user,
            ticket_id=ticket_id,
            title=request.POST.get("title", ""),
            team_id=request.POST.get("team"),
            assignee_id=request.POST.get("assignee"),
            due_at=_local_datetime(request.POST.get("due_at", "")),
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.first_message())
    else:
        messages.success(request, _("Task “%(title)s” added.") % {"title": task.label()})
    return redirect(_ticket_page(request, ticket_id) + "#request-tasks")


@require_POST
@agents_only
def task_take(request, task_id: int):
    ticket_id = _task_ticket(task_id)
    try:
        actions.task_take(actor=request.user, task_id=task_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.first_message())
    return redirect(_ticket_page(request, ticket_id) + "#request-tasks")


@login_required
def my_approvals(request):
    """The portal's "My approvals": the requests a requester's manager is asked to approve
    (agents have the desk's, which lists changes' and requests' alike)."""
    from atiende.changes import selectors as approval_selectors

    if getattr(request.user, "is_agent", False):
        return redirect("changes:approvals")
    pending = request.GET.get("all") != "1"
    try:
        page = approval_selectors.approval_page(
            request.user, pending_only=pending, cursor=request.GET.get("cursor") or None
        )
    except DomainError:
        page = approval_selectors.approval_page(request.user, pending_only=pending, cursor=None)
    return render(
        request,
        "catalogue/portal/approvals.html",
        {"nav": "approvals", "page": page, "pending_only": pending},
    )


@require_POST
@login_required
def approval_decide(request, approval_id: int):
    from atiende.changes import actions as approval_actions

    decision = request.POST.get("decision", "")
    try:
        approval_actions.approval_decide(
            actor=request.user,
            approval_id=approval_id,
            decision=decision,
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.first_message())
    else:
        if decision == "approve":
            messages.success(request, _("You approved the request."))
        else:
            messages.success(request, _("You rejected the request."))
    return redirect("catalogue:approvals")


@require_POST
@login_required
def approval_delegate(request, approval_id: int):
    """The portal's delegation: to a colleague of the requester's organisation, or an agent,
    named by e-mail address."""
    from atiende.accounts.selectors import person_by_reference
    from atiende.changes import actions as approval_actions

    person = person_by_reference(request.POST.get("to", ""))
    try:
        if person is None:
            raise ValidationFailed.field(
                "to", _("Nobody active has this address: check it and try again.")
            )
        delegated = approval_actions.approval_delegate(
            actor=request.user,
            approval_id=approval_id,
            to_user_id=person.pk,
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.first_message())
    else:
        messages.success(
            request,
            _("%(name)s now decides this approval in your place.")
            % {"name": delegated.approver.display_name},
        )
    return redirect("catalogue:approvals")


def _field_form(specs: list[FormField], spec: FormField | None, data=None) -> FieldForm:
    limit = spec.position if spec is not None else None
    controllers = [
        s
        for s in specs
        if s.type in CONTROLLING_TYPES and (limit is None or s.position < limit) and s != spec
    ]
    if data is not None:
        return FieldForm(data, controllers=controllers)
    initial = {}
    if spec is not None:
        initial = {
            "key": spec.key,
            "type": spec.type,
            "label": spec.label,
            "label_es": spec.label_es,
            "help_text": spec.help_text,
            "help_text_es": spec.help_text_es,
            "required": spec.required,
            "default": spec.default,
            "choices": actions.options_text(spec.choices),
            "ci_class": spec.ci_class,
            "condition_field_id": spec.condition_field_id,
            "condition_values": ", ".join(spec.condition_values),
        }
    return FieldForm(initial=initial, controllers=controllers)


@agents_only(others_to="catalogue:home")
def field_edit(request, item_id: int, field_id: int | None = None):
    _require_manager(request)
    item = selectors.item_for_manager(request.user, item_id)
    specs = list(item.fields.all())
    spec = next((s for s in specs if s.pk == field_id), None) if field_id else None
    if field_id and spec is None:
        raise NotFound()
    status = 200
    if request.method == "POST":
        form = _field_form(specs, spec, data=request.POST)
        if form.is_valid():
            try:
                actions.field_save(
                    actor=request.user,
                    item_id=item.pk,
                    field_id=field_id,
                    **form.action_arguments(),
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Question saved."))
                return redirect("catalogue:item_edit", item_id=item.pk)
        status = 422
    else:
        form = _field_form(specs, spec)
    return render(
        request,
        "catalogue/manage/field.html",
        {"nav": "catalogue", "item": item, "spec": spec, "form": form},
        status=status,
    )


@require_POST
@agents_only
def field_delete(request, item_id: int, field_id: int):
    _require_manager(request)
    actions.field_delete(actor=request.user, item_id=item_id, field_id=field_id)
    messages.success(request, _("Question deleted."))
    return redirect("catalogue:item_edit", item_id=item_id)


@require_POST
@agents_only
def field_move(request, item_id: int, field_id: int):
    _require_manager(request)
    try:
        actions.field_move(
            actor=request.user, item_id=item_id, field_id=field_id, up=request.POST.get("up") == "1"
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.first_message())
    return redirect("catalogue:item_edit", item_id=item_id)


@agents_only(others_to="catalogue:home")
def item_preview(request, item_id: int):
    """The form exactly as a requester sees it (nothing is sent from here)."""
    _require_manager(request)
    item = selectors.item_for_manager(request.user, item_id)
    form = RequestForm(specs=list(item.fields.all()))
    return render(
        request,
        "catalogue/portal/item.html",
        {"nav": "catalogue", "item": item, "form": form, "preview": True},
    )


@agents_only(others_to="catalogue:home")
def item_export(request, item_id: int) -> StreamingHttpResponse:
    """The item's requests the manager sees, with their answers, as CSV."""
    _require_manager(request)
    item = selectors.item_for_manager(request.user, item_id)
    response = StreamingHttpResponse(
        export_requests(selectors.requests_of_item(request.user, item.pk), list(item.fields.all())),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="catalogue-item-{item.pk}.csv"'
    return response
