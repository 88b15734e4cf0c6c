"""Mailbox configuration in Django admin. The IMAP password is write-only: the form never
shows it back, and leaving the field empty keeps the stored one."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from atiende.audit.admin import AuditedAdmin

from .models import InboundMessage, Mailbox

IMAP_FIELDS = (
    "imap_host", "imap_port", "imap_security", "imap_username", "imap_password", "imap_folder",
    "after_processing", "processed_folder",
)  # fmt: skip


class MailboxForm(forms.ModelForm):
    imap_password = forms.CharField(
        label=_("IMAP password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = Mailbox
        fields = (
            "name", "address", "is_default", "is_active", "max_message_bytes", *IMAP_FIELDS,
            "default_kind", "default_team", "default_category", "unknown_sender", "agent_trust",
            "trusted_authserv_id",
        )  # fmt: skip

    def clean_imap_password(self) -> str:
        value = self.cleaned_data.get("imap_password") or ""
        if not value and self.instance.pk:
            return self.instance.imap_password
        return value


@admin.register(Mailbox)
class MailboxAdmin(AuditedAdmin):
    form = MailboxForm
    list_display = ("name", "address", "is_default", "is_active", "imap_host", "last_polled_at")
    list_filter = ("is_active",)
    search_fields = ("name", "address")
    readonly_fields = ("last_polled_at", "last_success_at", "last_error", "last_error_at")
    fieldsets = (
        (None, {"fields": ("name", "address", "is_default", "is_active", "max_message_bytes")}),
        (
            _("IMAP (leave the host empty for the mail gateway only)"),
            {
                "fields": IMAP_FIELDS,
            },
        ),
        (_("New tickets"), {"fields": ("default_kind", "default_team", "default_category")}),
        (
            _("Senders"),
            {"fields": ("unknown_sender", "agent_trust", "trusted_authserv_id")},
        ),
        (
            _("Health"),
            {"fields": ("last_polled_at", "last_success_at", "last_error", "last_error_at")},
        ),
    )


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Read-only: received mail is changed only by intake, retry and discard."""

    list_display = ("received_at", "from_address", "subject", "status", "mailbox", "ticket")
    list_filter = ("status", "source", "auto_generated")
    search_fields = ("message_id", "from_address", "subject")
    list_select_related = ("mailbox", "ticket")
    exclude = ("raw",)
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).defer("raw")
