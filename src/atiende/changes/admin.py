"""Django admin for the change configuration: approval boards and policies, standard change
templates, the risk questionnaire and its thresholds. Changes and approvals themselves change
only through changes.actions (lifecycle and audit trail)."""

from __future__ import annotations

from django.contrib import admin

from atiende.audit.admin import AuditedAdmin

from .models import (
    ApprovalPolicy,
    Board,
    ChangeTemplate,
    RiskChoice,
    RiskQuestion,
    RiskSettings,
)


@admin.register(Board)
class BoardAdmin(AuditedAdmin):
    list_display = ["name", "name_es", "description"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "members":
            from atiende.accounts.models import Role
            from atiende.accounts.selectors import people

            kwargs["queryset"] = people().exclude(role=Role.REQUESTER).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(AuditedAdmin):
    list_display = [
        "name",
        "name_es",
        "change_type",
        "risk_level",
        "board",
        "required",
        "is_active",
    ]
    list_editable = ["required", "is_active"]
    list_filter = ["change_type", "risk_level", "is_active"]
    list_select_related = ["board"]


@admin.register(ChangeTemplate)
class ChangeTemplateAdmin(AuditedAdmin):
    list_display = ["name", "risk_level", "team", "is_active"]
    list_filter = ["is_active", "risk_level"]
    list_select_related = ["team"]
    search_fields = ["name"]


class RiskChoiceInline(admin.TabularInline):
    model = RiskChoice
    fields = ["text_en", "text_es", "weight", "position"]
    extra = 0


@admin.register(RiskQuestion)
class RiskQuestionAdmin(AuditedAdmin):
    list_display = ["text_en", "text_es", "position", "is_active"]
    list_editable = ["position", "is_active"]
    inlines = [RiskChoiceInline]


@admin.register(RiskSettings)
class RiskSettingsAdmin(AuditedAdmin):
    """A single row (pk=1): it can be edited, never added twice or deleted."""

    list_display = ["__str__", "medium_from", "high_from"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not RiskSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
