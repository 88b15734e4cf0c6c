"""The outbox in Django admin: what waits, what was sent, what failed and why; a retry action.
Read-only otherwise (rows are written by the notification handlers, never by hand).
Registered from MailConfig.ready()."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import OutboundMessage
from . import outbox


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at", "kind", "status", "recipient_display", "ticket", "attempts",
        "next_attempt_at", "sent_at", "short_error",
    )  # fmt: skip
    list_filter = ("status", "kind")
    list_select_related = ("ticket", "recipient")
    search_fields = ("to_address", "message_id", "subject", "ticket__number")
    date_hierarchy = "created_at"
    actions = ("retry_messages",)
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    @admin.display(description=_("to"))
    def recipient_display(self, obj: OutboundMessage) -> str:
        if obj.to_address:
            return obj.to_address
        return obj.recipient.email if obj.recipient else ""

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboundMessage) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Send the selected failed messages again"))
    def retry_messages(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        count = outbox.retry(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        state = outbox.health()
        if not state["delivery_configured"]:
            self.message_user(
                request,
                ngettext(
                    "Outgoing mail is not sent: no SMTP server is configured "
                    "(ATIENDE_SMTP_HOST). %(count)d message is waiting.",
                    "Outgoing mail is not sent: no SMTP server is configured "
                    "(ATIENDE_SMTP_HOST). %(count)d messages are waiting.",
                    state["queued"],
                )
                % {"count": state["queued"]},
                messages.WARNING,
            )
        elif state["failed"]:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message could not be delivered.",
                    "%(count)d messages could not be delivered.",
                    state["failed"],
                )
                % {"count": state["failed"]},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)
