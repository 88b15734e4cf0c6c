"""Django admin for the desk's configuration, plus a read-only view of tickets and their
timeline for people who need to inspect them. Tickets change only through actions
(numbering, workflow, audit trail), so the admin never edits, adds or deletes them; and it
shows them through the desk's one access rule (selectors.visibility), so a manager sees here
exactly the tickets, replies and internal notes the desk shows them."""

from __future__ import annotations

from django.contrib import admin

from atiende.audit.admin import AuditedAdmin
from atiende.core.admin import ReadOnlyAdmin

from . import priority
from .models import Category, DeskSettings, PriorityRule, ResolutionCode, Ticket, TicketEvent
from .selectors import visibility


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["full_path", "full_path_es", "team", "is_active"]
    list_filter = ["is_active", "team"]
    list_select_related = ["team"]
    search_fields = ["name", "name_es", "full_path"]
    autocomplete_fields = ["parent"]
    fields = ["name", "name_es", "parent", "full_path", "team", "is_active"]
    readonly_fields = ["full_path"]
    ordering = ["full_path"]


@admin.register(PriorityRule)
class PriorityRuleAdmin(AuditedAdmin):
    list_display = ["impact", "urgency", "priority"]
    list_editable = ["priority"]
    ordering = ["impact", "urgency"]

    # The matrix is cached (priority.matrix); every change must drop the cached copy.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        priority.invalidate()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        priority.invalidate()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        priority.invalidate()


@admin.register(ResolutionCode)
class ResolutionCodeAdmin(AuditedAdmin):
    list_display = ["code", "name_en", "name_es", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_en", "name_es"]


@admin.register(DeskSettings)
class DeskSettingsAdmin(AuditedAdmin):
    """A single row (pk=1): it can be edited, never added twice or deleted."""

    list_display = ["__str__", "reopen_days", "default_team"]
    list_select_related = ["default_team"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not DeskSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    fields = ("created_at", "type", "actor", "public", "field", "old_value", "new_value", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = [
        "number", "title", "kind", "status", "priority", "requester", "team", "assignee",
        "updated_at",
    ]  # fmt: skip
    list_select_related = ["requester", "team", "assignee"]
    list_filter = ["kind", "status", "priority", "team"]
    search_fields = ["=number", "title"]
    date_hierarchy = "created_at"
    ordering = ["-updated_at", "-id"]
    show_full_result_count = False  # no full COUNT(*) over a large table on every page
    inlines = [TicketEventInline]

    def get_queryset(self, request):
        # Also what the change, history and autocomplete views look objects up in.
        return super().get_queryset(request).filter(visibility(request.user))

    def get_search_results(self, request, queryset, search_term):
        # Numbers are stored upper-case ("INC-000123"); let "inc-000123" match too.
        return super().get_search_results(request, queryset, search_term.strip().upper())


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "ticket", "type", "actor", "public", "field"]
    list_select_related = ["ticket", "actor"]
    list_filter = ["type", "public"]
    search_fields = ["=ticket__number"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(visibility(request.user, "ticket__"))
