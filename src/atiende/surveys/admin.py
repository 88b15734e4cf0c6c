"""Survey settings are configuration (managers, audited); invitations and responses are read
here, never written (answers come through the survey's own pages)."""

from __future__ import annotations

from django.contrib import admin

from atiende.audit.admin import AuditedAdmin
from atiende.tickets.selectors import visibility

from .forms import SettingsAdminForm
from .models import SurveyResponse, SurveySettings


@admin.register(SurveySettings)
class SurveySettingsAdmin(AuditedAdmin):
    form = SettingsAdminForm
    list_display = ["__str__", "enabled", "delay_hours", "min_days_between", "answer_days"]
    filter_horizontal = ["teams", "organizations"]

    def has_add_permission(self, request):
        return not SurveySettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["invitation", "rating", "answered_at", "updated_at"]
    list_filter = ["rating"]
    list_select_related = ["invitation__ticket"]
    readonly_fields = ["invitation", "rating", "comment", "answered_at", "updated_at"]

    def get_queryset(self, request):
        # The one access rule, as the tickets' admin pages apply it.
        return (
            super()
            .get_queryset(request)
            .filter(visibility(request.user, via="invitation__ticket__"))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
