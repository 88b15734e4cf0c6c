"""The desk's "Webhooks" pages (managers and administrators): the list, a new webhook, one
webhook with its settings, delivery log, test ping, secret rotation and redelivery. The
secret is shown once, on the page after it was made (kept in the session until then)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.core.errors import DomainError, NotFound
from atiende.core.forms import apply_domain_error
from atiende.core.http import agents_only
from atiende.core.ids import parse_id

from . import actions, delivery, selectors
from .forms import WebhookEditForm, WebhookForm
from .models import DeliveryStatus

SECRET_KEY = "webhooks.secret_once"


def _managers_only(request) -> None:
    if not request.user.is_manager:
        raise NotFound()


def _keep_secret(request, webhook_id: int, secret: str) -> None:
    request.session[SECRET_KEY] = {"id": webhook_id, "secret": secret}


def _pop_secret(request, webhook_id: int) -> str | None:
    kept = request.session.get(SECRET_KEY)
    if kept and kept.get("id") == webhook_id:
        del request.session[SECRET_KEY]
        return str(kept["secret"])
    return None


@agents_only
def webhook_list(request):
    _managers_only(request)
    form = WebhookForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                webhook, secret = actions.webhook_create(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                _keep_secret(request, webhook.pk, secret)
                messages.success(request, _("Webhook created."))
                return redirect("webhooks:detail", webhook.pk)
        status = 422
    hooks = selectors.webhooks_of(request.user).select_related("owner")
    context = {"nav": "webhooks", "webhooks": hooks, "form": form}
    return render(request, "webhooks/list.html", context, status=status)


@agents_only
def webhook_detail(request, webhook_id: int):
    _managers_only(request)
    webhook = selectors.webhook_get(request.user, webhook_id)
    if webhook is None:
        raise NotFound()
    status = 200
    if request.method == "POST":
        form = WebhookEditForm(request.POST)
        if form.is_valid():
            try:
                actions.webhook_update(
                    actor=request.user, webhook_id=webhook.pk, **form.cleaned_data
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Webhook saved."))
                return redirect("webhooks:detail", webhook.pk)
        status = 422
    else:
        form = WebhookEditForm(
            initial={
                "name": webhook.name,
                "url": webhook.url,
                "events": webhook.events,
                "include_internal": webhook.include_internal,
                "active": webhook.active,
            }
        )
    before = parse_id(request.GET.get("before", ""))
    log = selectors.delivery_log(webhook, before_id=before)
    context = {
        "nav": "webhooks",
        "webhook": webhook,
        "form": form,
        "secret": _pop_secret(request, webhook.pk),
        "log": log,
        "older": log[-1].pk if len(log) == selectors.LOG_PAGE else None,
        "statuses": DeliveryStatus,
    }
    return render(request, "webhooks/detail.html", context, status=status)


@require_POST
@agents_only
def webhook_delete(request, webhook_id: int):
    _managers_only(request)
    actions.webhook_delete(actor=request.user, webhook_id=webhook_id)
    messages.success(request, _("Webhook deleted."))
    return redirect("webhooks:list")


@require_POST
@agents_only
def webhook_rotate(request, webhook_id: int):
    _managers_only(request)
    webhook, secret = actions.secret_rotate(actor=request.user, webhook_id=webhook_id)
    _keep_secret(request, webhook.pk, secret)
    messages.success(request, _("New secret made. The old one no longer signs deliveries."))
    return redirect("webhooks:detail", webhook.pk)


@require_POST
@agents_only
def webhook_ping(request, webhook_id: int):
    """Queue a ping and try it now, so the manager sees the answer (bounded by the timeout)."""
    _managers_only(request)
    row = actions.ping(actor=request.user, webhook_id=webhook_id)
    sent = delivery.deliver_one(row.pk)
    if sent is not None and sent.status == DeliveryStatus.DELIVERED:
        messages.success(
            request, _("Ping delivered (HTTP %(code)s).") % {"code": sent.response_code}
        )
    elif sent is not None:
        detail = sent.error or (f"HTTP {sent.response_code}" if sent.response_code else "")
        messages.error(request, _("Ping failed: %(detail)s") % {"detail": detail})
    else:
        messages.info(request, _("Ping queued: it goes out after the deliveries before it."))
    return redirect("webhooks:detail", webhook_id)


@require_POST
@agents_only
def delivery_redeliver(request, delivery_id: int):
    _managers_only(request)
    row = actions.redeliver(actor=request.user, delivery_id=delivery_id)
    messages.success(request, _("Queued for delivery again."))
    return redirect("webhooks:detail", row.webhook_id)
