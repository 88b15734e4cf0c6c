"""Admin of the change calendar's configuration: blackout windows (freezes). Registered from
ChangesConfig.ready (this app's admin.py belongs to the change records)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db import models
from django.utils.translation import gettext_lazy as _

from atiende.audit.admin import AuditedAdmin
from atiende.core import clock
from atiende.core.forms import MomentField

from .. import conflicts
from ..models import BlackoutWindow


@admin.register(BlackoutWindow)
class BlackoutWindowAdmin(AuditedAdmin):
    list_display = ["name", "starts_at", "ends_at", "scope", "created_by"]
    list_filter = ["starts_at"]
    search_fields = ["name", "reason"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["items"]
    fields = ["name", "starts_at", "ends_at", "reason", "items"]
    ordering = ["-starts_at"]
    # Read like every other date a person sends (core.dates): years 1900..2999, so a window
    # the calendar pages cannot place is a form error, not a 500 there later.
    formfield_overrides = {
        models.DateTimeField: {"form_class": MomentField, "widget": AdminSplitDateTime}
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by").prefetch_related("items")

    @admin.display(description=_("scope"))
    def scope(self, obj: BlackoutWindow) -> str:
        names = [item.name for item in obj.items.all()]
        return ", ".join(names) if names else str(_("Everything"))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.created_at = clock.now()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The window or its scope may have moved: its conflicts are replaced. (Deleting a
        # blackout deletes its conflicts with it.)
        conflicts.refresh_blackout(form.instance.pk)
